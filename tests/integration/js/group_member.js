'use strict'
// One kafkajs member of a consumer group shared with other clients (test_group_mixed.py). Runs
// until killed and prints one line per assignment ("A <partitions>") and per record
// ("R <partition> <offset> <value>"); offsets are committed only after a record is printed.
// Usage: node group_member.js <bootstrap> <topic> <group> <session-ms>
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const { Kafka, logLevel, PartitionAssigners } = require('kafkajs')

const [bootstrap, topic, groupId, sessionArg] = process.argv.slice(2)
const sessionTimeout = Number(sessionArg || 6000)

// kafkajs names its round-robin assignor "RoundRobinAssigner", which no other client offers, so a
// mixed group would have no common protocol. Its metadata and assignment use Kafka's consumer
// protocol encoding and, for one topic, the same algorithm as Kafka's "roundrobin" (partitions in
// order over members sorted by id), so it is offered under the standard name.
const roundRobin = (ctx) => ({ ...PartitionAssigners.roundRobin(ctx), name: 'roundrobin' })

function out(line) {
  process.stdout.write(line + '\n')
}

async function main() {
  const kafka = new Kafka({
    clientId: 'it-mixed-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    // Long enough to ride out a broker restart.
    retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 },
  })
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    rebalanceTimeout: 20000,
    // Short fetch waits and heartbeats: kafkajs only notices a rebalance between fetches.
    heartbeatInterval: 500,
    maxWaitTimeInMs: 500,
    partitionAssigners: [roundRobin],
  })
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
    out(`A ${parts.join(',')}`)
    out(`J leader=${e.payload.isLeader} protocol=${e.payload.groupProtocol}`)
  })
  consumer.on(consumer.events.CRASH, (e) => {
    console.error('consumer crash:', e.payload.error && e.payload.error.message,
      'restart:', e.payload.restart)
    if (!e.payload.restart) process.exit(1)
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommitInterval: 500,
    // The offset is resolved (and later committed) only after this returns, i.e. after printing.
    eachMessage: async ({ partition, message }) => {
      out(`R ${partition} ${message.offset} ${message.value.toString()}`)
    },
  })
  const stop = () => consumer.disconnect().finally(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
