/* Telecare serial frame encoder (PROTOCOL.md): layout, CRC-16/CCITT-FALSE and COBS in portable C99. */
#ifndef TELECARE_FRAME_H
#define TELECARE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TC_PROTOCOL_VERSION 1u
#define TC_MAX_FRAME_BYTES 512u
#define TC_MAX_DEVICE_ID_BYTES 32u
#define TC_MAX_ACCEL_SAMPLES 64u
#define TC_MAX_SCALE_DECIMALS 3u
/* COBS adds one byte per 254 plus one; the 0x00 delimiter adds one more. */
#define TC_MAX_WIRE_BYTES (TC_MAX_FRAME_BYTES + TC_MAX_FRAME_BYTES / 254u + 2u)

enum tc_frame_type {
  TC_FRAME_EVENT = 0x01,
  TC_FRAME_RECEIVER_HEARTBEAT = 0x02
};

/* Event type codes: the order of NATIVE_EVENT_TYPES in rules/vocabulary.ts. Append only. */
enum tc_event_type {
  TC_EVENT_MOTION = 0,
  TC_EVENT_CONTACT = 1,
  TC_EVENT_OCCUPANCY = 2,
  TC_EVENT_PENDANT = 3,
  TC_EVENT_FALL = 4,
  TC_EVENT_SMOKE = 5,
  TC_EVENT_CO = 6,
  TC_EVENT_GAS = 7,
  TC_EVENT_WATER = 8,
  TC_EVENT_TEMPERATURE = 9,
  TC_EVENT_HUMIDITY = 10,
  TC_EVENT_POWER = 11,
  TC_EVENT_BATTERY = 12,
  TC_EVENT_TAMPER = 13,
  TC_EVENT_HEARTBEAT = 14,
  TC_EVENT_ACCEL = 15
};

enum tc_value_encoding {
  TC_VALUE_NONE = 0x00,         /* no bytes: `true` (pendant, fall, heartbeat) */
  TC_VALUE_BOOL = 0x01,         /* 1 byte: 0 or 1 */
  TC_VALUE_INT16_SCALED = 0x02, /* int16 big-endian, then 1 byte of decimals: value = raw / 10^decimals */
  TC_VALUE_FLOAT32 = 0x03,      /* IEEE 754 binary32 big-endian */
  TC_VALUE_ACCEL = 0x04         /* uint16 rate Hz, uint8 count, count x (x, y, z) int16 milli-g */
};

struct tc_event {
  uint16_t seq;
  const char *device_id; /* NUL-terminated, 1-32 of A-Z a-z 0-9 . _ - */
  uint8_t event_type;    /* enum tc_event_type */
  uint8_t encoding;      /* enum tc_value_encoding */
  union {
    uint8_t boolean;
    struct {
      int16_t raw;
      uint8_t decimals;
    } scaled;
    float f32;
    struct {
      uint16_t rate_hz;
      uint8_t count;
      const int16_t (*samples_mg)[3];
    } accel;
  } value;
};

uint16_t tc_crc16_ccitt_false(const uint8_t *data, size_t len);

/* COBS-encodes `len` bytes into `out` (no delimiter); returns the encoded length. */
size_t tc_cobs_encode(const uint8_t *in, size_t len, uint8_t *out);

/* Writes the frame (header, body, CRC; before COBS) into `out`; returns its length, 0 if invalid or too big. */
size_t tc_frame_event(const struct tc_event *event, uint8_t *out, size_t cap);
size_t tc_frame_receiver_heartbeat(uint16_t seq, uint8_t *out, size_t cap);

/* Wraps a frame for the wire: COBS then 0x00. `out` needs TC_MAX_WIRE_BYTES. Returns the wire length, 0 on error. */
size_t tc_wire_encode(const uint8_t *frame, size_t len, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
