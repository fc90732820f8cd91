'use strict'
// SASL/PLAIN with kafkajs: `ok` produces N records and consumes them back in a consumer group;
// `fail` expects the connection to be refused with an authentication error.
// usage: node sasl.js <bootstrap> <topic> <user> <password> ok|fail
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, username, password, mode] = process.argv.slice(2)
const N = 200

async function main() {
  const kafka = new Kafka({
    clientId: 'samsa-sasl-kjs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { retries: mode === 'ok' ? 5 : 0, initialRetryTime: 200 },
    sasl: { mechanism: 'plain', username, password },
  })
  const admin = kafka.admin()
  if (mode === 'fail') {
    try {
      await admin.connect()
      await admin.listTopics()
    } catch (e) {
      const text = `${e.name} ${e.message}`
      assert.match(text, /SASL|[Aa]uthentication/, text)
      console.log('refused:', text)
      return
    }
    assert.fail('connected with bad credentials')
  }
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < N; i++) messages.push({ key: `k${i % 7}`, value: `v${i}` })
  await producer.send({ topic, messages })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}-group` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = new Set()
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${N} consumed`)), 60000)
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString())
        if (seen.size === N) {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  await consumer.disconnect()
  for (let i = 0; i < N; i++) assert.ok(seen.has(`v${i}`), `missing v${i}`)
  console.log(`consumed ${seen.size}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
