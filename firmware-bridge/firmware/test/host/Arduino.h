/* Host stand-in for the Arduino core, enough for src/main.cpp to run under test/sketch_host.cpp. */
#ifndef TELECARE_HOST_ARDUINO_H
#define TELECARE_HOST_ARDUINO_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The time the driver sets before each loop(). */
unsigned long millis(void);

/* Serial: what the sketch writes goes to stdout. */
class HostSerial {
 public:
  void begin(unsigned long baud);
  size_t write(uint8_t byte);
  size_t write(const uint8_t *bytes, size_t len);
};
extern HostSerial Serial;

#endif
