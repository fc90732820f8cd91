'use strict'
// usage: node compression.js <bootstrap> produce <tag> <topic>...   (none and gzip batches)
//        node compression.js <bootstrap> consume <count> <topic>...  (prints every value as JSON)
// kafkajs ships only gzip; the other codecs need plugins, which the project does not install.
const { CompressionTypes } = require('kafkajs')
const { assert, client, run } = require('./common')

run(async ([bootstrap, mode, arg, ...topics]) => {
  const kafka = client(bootstrap, `it-kafkajs-compression-${mode}`)
  if (mode === 'produce') {
    const producer = kafka.producer({ maxInFlightRequests: 1, idempotent: false })
    await producer.connect()
    for (const [name, codec] of [['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP]]) {
      for (const topic of topics) {
        const messages = [0, 1, 2].map((i) => ({
          key: `k${i}`, value: `${arg}-${name}-${topic}-${i}`.repeat(4),
        }))
        const meta = await producer.send({ topic, acks: -1, compression: codec, messages })
        for (const m of meta) assert.equal(m.errorCode, 0, `produce error ${JSON.stringify(m)}`)
      }
    }
    await producer.disconnect()
    return
  }
  assert.equal(mode, 'consume')
  const expected = Number(arg)
  const consumer = kafka.consumer({ groupId: `it-kjs-compression-${Date.now()}`, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  const seen = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length}/${expected} records`)), 45000)
    consumer.run({
      eachMessage: async ({ topic, message }) => {
        seen.push([topic, message.value.toString()])
        if (seen.length >= expected) { clearTimeout(timer); resolve() }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  console.log('VALUES ' + JSON.stringify(seen))
})
