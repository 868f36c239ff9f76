'use strict';
// The Node/Express design the product replaces, reduced to the routes the bench compares (bench/README.md):
// POST /user/create (to seed users), POST /auth/login, GET /auth/me, PUT /user/update/:id, GET /health/ready.
// Express, jsonwebtoken (HS256), bcrypt (cost 10), ioredis (sessions), pg (users), kafkajs (user events);
// two workers through node:cluster sharing one port, as that design ran them. A bench reference, not a product:
// no refresh, no logout, no rate limits.
//
// Environment: PORT, JWT_SECRET, REDIS_HOST/REDIS_PORT, POSTGRES_HOST/PORT/USER/PASSWORD/DB, KAFKA_BROKER,
// KAFKA_TOPIC, WORKERS (2).
const cluster = require('node:cluster');
const crypto = require('node:crypto');

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`missing setting ${name}`);
    process.exit(2);
  }
  return value;
};

const settings = {
  port: Number(env('PORT')),
  jwtSecret: env('JWT_SECRET'),
  redis: { host: env('REDIS_HOST', '127.0.0.1'), port: Number(env('REDIS_PORT')) },
  postgres: {
    host: env('POSTGRES_HOST', '127.0.0.1'),
    port: Number(env('POSTGRES_PORT')),
    user: env('POSTGRES_USER'),
    password: env('POSTGRES_PASSWORD'),
    database: env('POSTGRES_DB'),
  },
  kafkaBrokers: env('KAFKA_BROKER').split(','),
  kafkaTopic: env('KAFKA_TOPIC', 'node-user-events'),
  workers: Number(env('WORKERS', '2')),
};

const SESSION_SECONDS = 15 * 60;
const BCRYPT_COST = 10;

if (cluster.isPrimary) {
  primary().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  worker().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

async function primary() {
  const { Client } = require('pg');
  const client = new Client(settings.postgres);
  await client.connect();
  // Its own table, so the product's schema is never touched.
  await client.query(`CREATE TABLE IF NOT EXISTS node_users (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL)`);
  await client.end();
  for (let i = 0; i < settings.workers; i++) {
    cluster.fork();
  }
  // A worker that dies takes the run down with it: a bench must not measure a half-stack.
  cluster.on('exit', (w, code, signal) => {
    console.error(`worker ${w.process.pid} exited (${signal ?? code})`);
    process.exit(1);
  });
}

async function worker() {
  const express = require('express');
  const jwt = require('jsonwebtoken');
  const bcrypt = require('bcrypt');
  const Redis = require('ioredis');
  const { Pool } = require('pg');
  const { Kafka, logLevel } = require('kafkajs');

  const pool = new Pool({ ...settings.postgres, max: 16 });
  const redis = new Redis(settings.redis);
  const kafka = new Kafka({ clientId: 'bench-node-stack', brokers: settings.kafkaBrokers, logLevel: logLevel.WARN });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();

  const view = (row) => ({
    id: row.id,
    name: row.name,
    email: row.email,
    permissions: [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  });
  const problem = (res, status, title) => res.status(status).type('application/problem+json').json({ status, title });
  const cacheUser = (user) => redis.set(`user:${user.id}`, JSON.stringify(user), 'EX', SESSION_SECONDS);

  // JWT verification plus the live session check in Redis, the original design's middleware.
  async function authenticate(req, res, next) {
    const header = req.get('authorization') ?? '';
    if (!header.startsWith('Bearer ')) {
      return problem(res, 401, 'missing bearer token');
    }
    let claims;
    try {
      claims = jwt.verify(header.slice(7), settings.jwtSecret, { algorithms: ['HS256'] });
    } catch {
      return problem(res, 401, 'invalid token');
    }
    const session = await redis.get(`session:${claims.sid}`);
    if (session === null) {
      return problem(res, 401, 'session ended');
    }
    req.user = { id: claims.sub, sessionId: claims.sid };
    return next();
  }

  async function publish(type, user) {
    await producer.send({
      topic: settings.kafkaTopic,
      acks: -1,
      messages: [{
        key: user.id,
        value: JSON.stringify({ id: crypto.randomUUID(), type, userId: user.id, version: user.version, occurredAt: new Date().toISOString(), data: { name: user.name, email: user.email } }),
      }],
    });
  }

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json());

  app.get('/health/ready', (req, res) => res.status(200).json({ status: 'ready' }));

  app.post('/user/create', async (req, res) => {
    const { name, email, password } = req.body ?? {};
    if (typeof name !== 'string' || typeof email !== 'string' || typeof password !== 'string') {
      return problem(res, 400, 'name, email and password are required');
    }
    const hash = await bcrypt.hash(password, BCRYPT_COST);
    const now = new Date();
    const result = await pool.query(
      `INSERT INTO node_users (id, name, email, password_hash, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT (email) DO NOTHING RETURNING *`,
      [crypto.randomUUID(), name, email.toLowerCase(), hash, now]);
    if (result.rowCount === 0) {
      return problem(res, 409, 'email taken');
    }
    const user = view(result.rows[0]);
    await publish('user.created', user);
    return res.status(201).json(user);
  });

  app.post('/auth/login', async (req, res) => {
    const { email, password } = req.body ?? {};
    if (typeof email !== 'string' || typeof password !== 'string') {
      return problem(res, 400, 'email and password are required');
    }
    const result = await pool.query('SELECT * FROM node_users WHERE email = $1', [email.toLowerCase()]);
    const row = result.rows[0];
    if (row === undefined || !(await bcrypt.compare(password, row.password_hash))) {
      return problem(res, 401, 'invalid credentials');
    }
    const sessionId = crypto.randomUUID();
    const user = view(row);
    await redis.multi()
      .set(`session:${sessionId}`, JSON.stringify({ userId: user.id, createdAt: Date.now() }), 'EX', SESSION_SECONDS)
      .set(`user:${user.id}`, JSON.stringify(user), 'EX', SESSION_SECONDS)
      .exec();
    const accessToken = jwt.sign({ sub: user.id, sid: sessionId }, settings.jwtSecret, { algorithm: 'HS256', expiresIn: SESSION_SECONDS });
    return res.status(200).json({
      accessToken,
      refreshToken: crypto.randomBytes(32).toString('base64url'),
      tokenType: 'Bearer',
      expiresIn: SESSION_SECONDS,
      sessionId,
    });
  });

  app.get('/auth/me', authenticate, async (req, res) => {
    const cached = await redis.get(`user:${req.user.id}`);
    if (cached !== null) {
      return res.status(200).type('application/json').send(cached);
    }
    const result = await pool.query('SELECT * FROM node_users WHERE id = $1', [req.user.id]);
    if (result.rowCount === 0) {
      return problem(res, 401, 'user gone');
    }
    const user = view(result.rows[0]);
    await cacheUser(user);
    return res.status(200).json(user);
  });

  app.get('/user/:id', authenticate, async (req, res) => {
    if (req.params.id !== req.user.id) {
      return problem(res, 403, 'not your account');
    }
    const result = await pool.query('SELECT * FROM node_users WHERE id = $1', [req.params.id]);
    if (result.rowCount === 0) {
      return problem(res, 404, 'no such user');
    }
    const user = view(result.rows[0]);
    return res.status(200).set('ETag', `"${user.version}"`).json(user);
  });

  // The write: one UPDATE guarded by If-Match, the cache refreshed, the event produced (acks=all) before answering.
  app.put('/user/update/:id', authenticate, async (req, res) => {
    if (req.params.id !== req.user.id) {
      return problem(res, 403, 'not your account');
    }
    const { name } = req.body ?? {};
    if (typeof name !== 'string' || name.length === 0) {
      return problem(res, 400, 'name is required');
    }
    const match = /^"(\d+)"$/.exec(req.get('if-match') ?? '');
    const result = match
      ? await pool.query('UPDATE node_users SET name = $1, version = version + 1, updated_at = now() WHERE id = $2 AND version = $3 RETURNING *', [name, req.params.id, match[1]])
      : await pool.query('UPDATE node_users SET name = $1, version = version + 1, updated_at = now() WHERE id = $2 RETURNING *', [name, req.params.id]);
    if (result.rowCount === 0) {
      return problem(res, match ? 412 : 404, match ? 'version changed' : 'no such user');
    }
    const user = view(result.rows[0]);
    await cacheUser(user);
    await publish('user.updated', user);
    return res.status(200).set('ETag', `"${user.version}"`).json(user);
  });

  // Express 5 hands a rejected handler to here: an answer, never a hang.
  app.use((error, req, res, next) => {
    console.error(error);
    if (res.headersSent) {
      return next(error);
    }
    return problem(res, 500, 'internal error');
  });

  app.listen(settings.port, '127.0.0.1');
}
