// A small outside consumer of user events. Run: npm install && KAFKA_BROKER=localhost:9092 node consumer.mjs
import { Kafka, logLevel } from 'kafkajs';

const kafka = new Kafka({
  clientId: 'user-events-example',
  brokers: (process.env.KAFKA_BROKER ?? 'localhost:9092').split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: process.env.GROUP_ID ?? 'user-events-example' });

// Delivery is at least once: remember the last sequence applied per user (in your own store, in the same
// transaction as the change it causes) and skip anything not newer.
const applied = new Map();

await consumer.connect();
await consumer.subscribe({ topic: process.env.KAFKA_TOPIC ?? 'user-events-v2', fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    const userId = message.key.toString();
    const event = JSON.parse(message.value.toString());
    if (event.sequence <= (applied.get(userId) ?? 0)) return;
    applied.set(userId, event.sequence);
    console.log(`${userId} ${event.sequence} ${event.type} ${message.headers.ce_id?.toString()}`);
  },
});
