/* Telecare serial frame encoder (PROTOCOL.md): portable C99, no allocation, for receivers and the test suite. */
#include "frame.h"

#include <string.h>

uint16_t tc_crc16_ccitt_false(const uint8_t *data, size_t len) {
  uint16_t crc = 0xFFFFu;
  size_t i;
  int bit;
  for (i = 0; i < len; i++) {
    crc ^= (uint16_t)((uint16_t)data[i] << 8);
    for (bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}

size_t tc_cobs_encode(const uint8_t *in, size_t len, uint8_t *out) {
  size_t read = 0;
  size_t write = 1;
  size_t code_index = 0;
  uint8_t code = 1;
  while (read < len) {
    uint8_t byte = in[read++];
    if (byte != 0) {
      out[write++] = byte;
      code++;
    }
    if (byte == 0 || code == 0xFF) {
      out[code_index] = code;
      code = 1;
      code_index = write++;
    }
  }
  out[code_index] = code;
  return write;
}

static void put_u16(uint8_t *at, uint16_t v) {
  at[0] = (uint8_t)(v >> 8);
  at[1] = (uint8_t)(v & 0xFFu);
}

static size_t finish(uint8_t *out, size_t len, size_t cap) {
  uint16_t crc;
  if (len + 2 > cap || len + 2 > TC_MAX_FRAME_BYTES) return 0;
  crc = tc_crc16_ccitt_false(out, len);
  put_u16(out + len, crc);
  return len + 2;
}

static int valid_device_id(const char *id, size_t len) {
  size_t i;
  if (len == 0 || len > TC_MAX_DEVICE_ID_BYTES) return 0;
  for (i = 0; i < len; i++) {
    char c = id[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return 0;
  }
  return 1;
}

size_t tc_frame_receiver_heartbeat(uint16_t seq, uint8_t *out, size_t cap) {
  if (cap < 4) return 0;
  out[0] = TC_PROTOCOL_VERSION;
  out[1] = TC_FRAME_RECEIVER_HEARTBEAT;
  put_u16(out + 2, seq);
  return finish(out, 4, cap);
}

size_t tc_frame_event(const struct tc_event *event, uint8_t *out, size_t cap) {
  size_t id_len = event->device_id ? strlen(event->device_id) : 0;
  size_t n;
  size_t value_len;
  uint8_t i;
  if (!valid_device_id(event->device_id, id_len)) return 0;
  switch (event->encoding) {
    case TC_VALUE_NONE: value_len = 0; break;
    case TC_VALUE_BOOL: value_len = 1; break;
    case TC_VALUE_INT16_SCALED: value_len = 3; break;
    case TC_VALUE_FLOAT32: value_len = 4; break;
    case TC_VALUE_ACCEL:
      if (event->value.accel.count == 0 || event->value.accel.count > TC_MAX_ACCEL_SAMPLES) return 0;
      value_len = 3u + 6u * event->value.accel.count;
      break;
    default: return 0;
  }
  if (4u + 1u + id_len + 2u + value_len + 2u > cap) return 0;

  out[0] = TC_PROTOCOL_VERSION;
  out[1] = TC_FRAME_EVENT;
  put_u16(out + 2, event->seq);
  out[4] = (uint8_t)id_len;
  memcpy(out + 5, event->device_id, id_len);
  n = 5 + id_len;
  out[n++] = event->event_type;
  out[n++] = event->encoding;
  switch (event->encoding) {
    case TC_VALUE_BOOL:
      out[n++] = event->value.boolean ? 1u : 0u;
      break;
    case TC_VALUE_INT16_SCALED:
      put_u16(out + n, (uint16_t)event->value.scaled.raw);
      out[n + 2] = event->value.scaled.decimals;
      n += 3;
      break;
    case TC_VALUE_FLOAT32: {
      uint32_t bits;
      /* memcpy, not a pointer cast: well defined, and compilers turn it into a register move. */
      memcpy(&bits, &event->value.f32, sizeof bits);
      put_u16(out + n, (uint16_t)(bits >> 16));
      put_u16(out + n + 2, (uint16_t)(bits & 0xFFFFu));
      n += 4;
      break;
    }
    case TC_VALUE_ACCEL:
      put_u16(out + n, event->value.accel.rate_hz);
      out[n + 2] = event->value.accel.count;
      n += 3;
      for (i = 0; i < event->value.accel.count; i++) {
        put_u16(out + n, (uint16_t)event->value.accel.samples_mg[i][0]);
        put_u16(out + n + 2, (uint16_t)event->value.accel.samples_mg[i][1]);
        put_u16(out + n + 4, (uint16_t)event->value.accel.samples_mg[i][2]);
        n += 6;
      }
      break;
    default:
      break;
  }
  return finish(out, n, cap);
}

size_t tc_wire_encode(const uint8_t *frame, size_t len, uint8_t *out, size_t cap) {
  size_t n;
  if (len > TC_MAX_FRAME_BYTES || cap < len + len / 254u + 2u) return 0;
  n = tc_cobs_encode(frame, len, out);
  out[n++] = 0x00;
  return n;
}
