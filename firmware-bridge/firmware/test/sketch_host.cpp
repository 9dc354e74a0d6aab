/* Host test driver for src/main.cpp: runs the sketch on a script of radio codes and writes its serial bytes to stdout.
 * Each stdin line is "<ms> <code, hex>": the time moves to <ms>, the code is received, loop() runs once. */
#include <stdio.h>
#include <stdlib.h>

#include "Arduino.h"
#include "RCSwitch.h"

void setup(void);
void loop(void);

static unsigned long nowMs;
static unsigned long pendingCode;
static bool pending;

unsigned long millis(void) { return nowMs; }

HostSerial Serial;
void HostSerial::begin(unsigned long) {}
size_t HostSerial::write(uint8_t byte) { return fwrite(&byte, 1, 1, stdout); }
size_t HostSerial::write(const uint8_t *bytes, size_t len) { return fwrite(bytes, 1, len, stdout); }

void RCSwitch::enableReceive(int) {}
bool RCSwitch::available() { return pending; }
unsigned long RCSwitch::getReceivedValue() { return pendingCode; }
void RCSwitch::resetAvailable() { pending = false; }
void hostReceive(unsigned long code) {
  pendingCode = code;
  pending = true;
}

int main(void) {
  setup();
  unsigned long ms;
  unsigned long code;
  while (scanf("%lu %lx", &ms, &code) == 2) {
    nowMs = ms;
    hostReceive(code);
    loop();
  }
  fflush(stdout);
  return 0;
}
