// How hub modules publish to MQTT without knowing whether the broker is embedded (aedes) or external.

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export interface Publisher {
  /** Resolves once the broker has the message (embedded: handed to aedes; external: PUBACK for QoS 1). */
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
}
