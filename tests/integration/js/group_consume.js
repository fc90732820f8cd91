'use strict'
// A kafkajs consumer with default settings joins a group, consumes every record of a 3-partition
// topic, commits, and a second consumer in the same group then finds nothing left to read.
// Usage: node group_consume.js <bootstrap> <topic> <group>
const assert = require('node:assert/strict')
const { client } = require('./common')

const [bootstrap, topic, groupId] = process.argv.slice(2)
const N = 300

async function consumeAll(kafka, expected, timeoutMs) {
  const consumer = kafka.consumer({ groupId })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const seen = new Set()
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.add(message.value.toString())
    },
  })
  const deadline = Date.now() + timeoutMs
  while (seen.size < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200))
  }
  await consumer.disconnect()  // commits the consumed offsets
  return seen
}

async function main() {
  const kafka = client(bootstrap, 'it-kjs-group')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < N; i++) messages.push({ key: `k${i % 17}`, value: `v${i}` })
  await producer.send({ topic, messages })
  await producer.disconnect()

  const first = await consumeAll(kafka, N, 60000)
  assert.equal(first.size, N, `first consumer saw ${first.size} of ${N}`)

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0)
  assert.equal(committed, N, `committed offsets sum to ${committed}, expected ${N}`)

  const second = await consumeAll(kafka, 1, 8000)
  assert.equal(second.size, 0, `second consumer re-read ${second.size} records`)

  const groups = await admin.listGroups()
  assert.ok(groups.groups.some((g) => g.groupId === groupId), 'group not listed')
  const described = await admin.describeGroups([groupId])
  assert.equal(described.groups[0].state, 'Empty')
  await admin.disconnect()
  console.log('scenario passed')
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
