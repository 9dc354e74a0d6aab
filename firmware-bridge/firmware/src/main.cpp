// Reference receiver firmware: 433 MHz sensor codes in, telecare COBS frames (PROTOCOL.md) out on USB serial.
#include <Arduino.h>
#include <RCSwitch.h>

#include "frame.h"

// Data pin of the radio receiver; on a Nano, pin 2 is interrupt 0.
static const uint8_t RADIO_INTERRUPT = 0;
static const unsigned long SERIAL_BAUD = 115200;
// EN 50134-2 asks for supervision at least every 24 h; the hub's sensor-offline rule covers the
// receiver itself through these heartbeats, so send them far more often.
static const unsigned long RECEIVER_HEARTBEAT_MS = 60000UL;
// Cheap 433 MHz sensors repeat each code several times within about half a second. Repeats keep the
// sequence number of the first copy, so the bridge drops them as duplicates instead of counting events twice.
static const unsigned long REPEAT_WINDOW_MS = 700UL;

// One learned sensor code: what the hub should hear when it is received. Edit to match the installation.
struct SensorCode {
  unsigned long code;
  const char *deviceId;
  uint8_t eventType;
  uint8_t encoding;
  uint8_t boolValue;
};

static const SensorCode SENSOR_CODES[] = {
  {0x5A3C01UL, "p1", TC_EVENT_PENDANT, TC_VALUE_NONE, 1},
  {0x4B2A0AUL, "hall-pir", TC_EVENT_MOTION, TC_VALUE_BOOL, 1},
  {0x4B2A0EUL, "front", TC_EVENT_CONTACT, TC_VALUE_BOOL, 0},  // door opened: contact not closed
  {0x4B2A07UL, "front", TC_EVENT_CONTACT, TC_VALUE_BOOL, 1},  // door closed
  {0x4B2A0BUL, "front", TC_EVENT_TAMPER, TC_VALUE_BOOL, 1},
  {0x61F002UL, "kitchen-smoke", TC_EVENT_SMOKE, TC_VALUE_BOOL, 1},
  {0x61F00AUL, "bath-flood", TC_EVENT_WATER, TC_VALUE_BOOL, 1},
};
static const size_t SENSOR_COUNT = sizeof SENSOR_CODES / sizeof SENSOR_CODES[0];

// Per-device sequence numbers: devices sharing an id (the front door's codes) share a counter.
static uint16_t deviceSeq[SENSOR_COUNT];
static uint16_t heartbeatSeq;
// When each learned code was last heard. Its repeats are told apart per code: another sensor's code may come between
// two copies of one message (a PIR seeing the resident reach for the pendant), and that is still one press.
static bool codeHeard[SENSOR_COUNT];
static unsigned long codeHeardAtMs[SENSOR_COUNT];
static unsigned long lastHeartbeatAtMs;

static RCSwitch radio;
static uint8_t frameBuf[TC_MAX_FRAME_BYTES];
static uint8_t wireBuf[TC_MAX_WIRE_BYTES];

static void sendFrame(size_t frameLen) {
  if (frameLen == 0) return;
  size_t wireLen = tc_wire_encode(frameBuf, frameLen, wireBuf, sizeof wireBuf);
  Serial.write(wireBuf, wireLen);
}

// The first entry with the same device id owns that device's sequence counter.
static size_t counterIndex(size_t i) {
  for (size_t j = 0; j < i; j++) {
    if (strcmp(SENSOR_CODES[j].deviceId, SENSOR_CODES[i].deviceId) == 0) return j;
  }
  return i;
}

static void onCode(unsigned long code, unsigned long nowMs) {
  for (size_t i = 0; i < SENSOR_COUNT; i++) {
    const SensorCode &s = SENSOR_CODES[i];
    if (s.code != code) continue;
    bool repeat = codeHeard[i] && nowMs - codeHeardAtMs[i] < REPEAT_WINDOW_MS;
    codeHeard[i] = true;
    codeHeardAtMs[i] = nowMs;
    uint16_t &seq = deviceSeq[counterIndex(i)];
    if (!repeat) seq++;
    struct tc_event ev;
    ev.seq = seq;
    ev.device_id = s.deviceId;
    ev.event_type = s.eventType;
    ev.encoding = s.encoding;
    ev.value.boolean = s.boolValue;
    sendFrame(tc_frame_event(&ev, frameBuf, sizeof frameBuf));
    return;
  }
}

void setup() {
  Serial.begin(SERIAL_BAUD);
  radio.enableReceive(RADIO_INTERRUPT);
  // A leading delimiter ends any half frame the bridge saw before a reset.
  Serial.write((uint8_t)0x00);
  sendFrame(tc_frame_receiver_heartbeat(heartbeatSeq++, frameBuf, sizeof frameBuf));
  lastHeartbeatAtMs = millis();
}

void loop() {
  unsigned long nowMs = millis();
  if (radio.available()) {
    onCode(radio.getReceivedValue(), nowMs);
    radio.resetAvailable();
  }
  // Unsigned subtraction keeps working when millis() wraps after 49 days.
  if (nowMs - lastHeartbeatAtMs >= RECEIVER_HEARTBEAT_MS) {
    lastHeartbeatAtMs = nowMs;
    sendFrame(tc_frame_receiver_heartbeat(heartbeatSeq++, frameBuf, sizeof frameBuf));
  }
}
