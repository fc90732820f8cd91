'use strict'
// usage: node roundtrip.js <bootstrap> <topic> <none|gzip>
// Creates a 6-partition topic through the admin API, produces 10,000 keyed records with the codec,
// consumes them back through a consumer group and checks content and per-partition order.
const { CompressionTypes } = require('kafkajs')
const { assert, client, makeRecords, checkRoundtrip, run } = require('./common')

const N = 10000
const BATCH = 500

run(async ([bootstrap, topic, codec]) => {
  const compression = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }[codec]
  assert.ok(compression !== undefined, `unknown codec ${codec}`)
  const kafka = client(bootstrap, `it-kafkajs-${codec}`)

  const admin = kafka.admin()
  await admin.connect()
  assert.equal(await admin.createTopics({
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true,
  }), true)
  await admin.disconnect()

  const records = makeRecords(N, `kjs-${codec}`)
  // One request in flight so that produce order is the stored order even across retries.
  const producer = kafka.producer({ maxInFlightRequests: 1, idempotent: false })
  await producer.connect()
  for (let i = 0; i < N; i += BATCH) {
    const meta = await producer.send({
      topic, acks: -1, compression, messages: records.slice(i, i + BATCH),
    })
    for (const m of meta) assert.equal(m.errorCode, 0, `produce error ${JSON.stringify(m)}`)
  }
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `it-kafkajs-${topic}`, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const consumed = []
  let resolveAll, rejectAll
  const all = new Promise((resolve, reject) => { resolveAll = resolve; rejectAll = reject })
  // kafkajs would restart a crashed consumer forever; for a test the first crash is the answer.
  consumer.on(consumer.events.CRASH, ({ payload }) => rejectAll(payload.error))
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        consumed.push({
          partition: batch.partition, offset: m.offset, key: m.key.toString(),
          value: m.value.toString(),
        })
      }
      if (consumed.length >= N) resolveAll()
    },
  })
  try {
    await all
  } catch (e) {
    await consumer.disconnect().catch(() => {})
    throw e
  }
  await new Promise(r => setTimeout(r, 500)) // anything beyond N would show up here
  await consumer.disconnect()
  checkRoundtrip(records, consumed, 6)
  console.log(`kafkajs ${codec}: ${consumed.length} records verified`)
})
