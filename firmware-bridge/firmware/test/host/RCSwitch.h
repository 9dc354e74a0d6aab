/* Host stand-in for rc-switch: the driver hands the sketch one received code at a time. */
#ifndef TELECARE_HOST_RCSWITCH_H
#define TELECARE_HOST_RCSWITCH_H

class RCSwitch {
 public:
  void enableReceive(int interrupt);
  bool available();
  unsigned long getReceivedValue();
  void resetAvailable();
};

/* The code the next loop() finds received (0: none). */
void hostReceive(unsigned long code);

#endif
