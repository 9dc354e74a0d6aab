/* Host test driver: reads frame specs from stdin, one per line, and writes their wire bytes to stdout.
 *   E <seq> <device> <type code> 0                      no value
 *   E <seq> <device> <type code> 1 <0|1>                bool
 *   E <seq> <device> <type code> 2 <raw> <decimals>     int16 scaled
 *   E <seq> <device> <type code> 3 <float32 bits, hex>  float32
 *   E <seq> <device> <type code> 4 <rate> <count> <x y z>...  accel, milli-g
 *   H <seq>                                              receiver heartbeat
 * Exits 1 on a spec the encoder refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* The next field of the current spec line; a missing field ends the run with a message, never a crash. */
static char *field(unsigned long line_no) {
  char *tok = strtok(NULL, " \n");
  if (!tok) {
    fprintf(stderr, "frame_tool: line %lu: missing field\n", line_no);
    exit(2);
  }
  return tok;
}

static int encode_line(char *line, unsigned long n, uint8_t *frame, size_t *frame_len) {
  struct tc_event ev;
  static int16_t samples[TC_MAX_ACCEL_SAMPLES][3];
  char *tok = strtok(line, " \n");
  unsigned long seq;
  if (!tok) return -1;
  if (strcmp(tok, "H") == 0) {
    seq = strtoul(field(n), NULL, 10);
    *frame_len = tc_frame_receiver_heartbeat((uint16_t)seq, frame, TC_MAX_FRAME_BYTES);
    return *frame_len ? 0 : 1;
  }
  if (strcmp(tok, "E") != 0) return 1;
  memset(&ev, 0, sizeof ev);
  ev.seq = (uint16_t)strtoul(field(n), NULL, 10);
  ev.device_id = field(n);
  ev.event_type = (uint8_t)strtoul(field(n), NULL, 10);
  ev.encoding = (uint8_t)strtoul(field(n), NULL, 10);
  switch (ev.encoding) {
    case TC_VALUE_BOOL:
      ev.value.boolean = (uint8_t)strtoul(field(n), NULL, 10);
      break;
    case TC_VALUE_INT16_SCALED:
      ev.value.scaled.raw = (int16_t)strtol(field(n), NULL, 10);
      ev.value.scaled.decimals = (uint8_t)strtoul(field(n), NULL, 10);
      break;
    case TC_VALUE_FLOAT32: {
      uint32_t bits = (uint32_t)strtoul(field(n), NULL, 16);
      memcpy(&ev.value.f32, &bits, sizeof bits);
      break;
    }
    case TC_VALUE_ACCEL: {
      unsigned i;
      ev.value.accel.rate_hz = (uint16_t)strtoul(field(n), NULL, 10);
      ev.value.accel.count = (uint8_t)strtoul(field(n), NULL, 10);
      if (ev.value.accel.count > TC_MAX_ACCEL_SAMPLES) return 1;
      for (i = 0; i < ev.value.accel.count; i++) {
        samples[i][0] = (int16_t)strtol(field(n), NULL, 10);
        samples[i][1] = (int16_t)strtol(field(n), NULL, 10);
        samples[i][2] = (int16_t)strtol(field(n), NULL, 10);
      }
      ev.value.accel.samples_mg = (const int16_t(*)[3])samples;
      break;
    }
    default:
      break;
  }
  *frame_len = tc_frame_event(&ev, frame, TC_MAX_FRAME_BYTES);
  return *frame_len ? 0 : 1;
}

int main(void) {
  static char line[8192];
  uint8_t frame[TC_MAX_FRAME_BYTES];
  uint8_t wire[TC_MAX_WIRE_BYTES];
  unsigned long line_no = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t frame_len = 0;
    size_t wire_len;
    int rc;
    line_no++;
    rc = encode_line(line, line_no, frame, &frame_len);
    if (rc < 0) continue;
    if (rc > 0) {
      fprintf(stderr, "frame_tool: line %lu: spec refused by the encoder\n", line_no);
      return 1;
    }
    wire_len = tc_wire_encode(frame, frame_len, wire, sizeof wire);
    fwrite(wire, 1, wire_len, stdout);
  }
  return 0;
}
