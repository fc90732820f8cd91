'use strict'
// kafkajs over TLS: produce N records and consume them back. Args: bootstrap topic n cafile
// [certfile keyfile].
const assert = require('node:assert/strict')
const fs = require('node:fs')
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const { Kafka, logLevel } = require('kafkajs')

async function main() {
  const [bootstrap, topic, nText, cafile, certfile, keyfile] = process.argv.slice(2)
  const n = Number(nText)
  const ssl = { ca: [fs.readFileSync(cafile, 'utf8')] }
  if (certfile) {
    ssl.cert = fs.readFileSync(certfile, 'utf8')
    ssl.key = fs.readFileSync(keyfile, 'utf8')
  }
  const kafka = new Kafka({
    clientId: 'kjs-tls', brokers: [bootstrap], ssl, logLevel: logLevel.WARN,
    connectionTimeout: 5000, retry: { retries: 8, initialRetryTime: 200 },
  })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < n; i++) messages.push({ key: `k${i % 7}`, value: `kjs-tls-${i}` })
  for (let i = 0; i < n; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}-group` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${n} consumed`)), 60000)
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString())
        if (seen.length === n) { clearTimeout(timer); resolve() }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  assert.deepEqual(seen, messages.map((m) => m.value))
  console.log(`${n} records verified`)
  console.log('scenario passed')
}

main().catch((e) => { console.error(e); process.exit(1) })
