'use strict'
// usage: node admin.js <bootstrap>
// Topic lifecycle through kafkajs admin (create / create again / extend / delete), rejected
// creations, and ListOffsets (earliest, latest, by timestamp).
const { assert, client, expectKafkaError, run } = require('./common')

async function waitUntil(fn, what, ms = 15000) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await fn()) return
    await new Promise(r => setTimeout(r, 100))
  }
  assert.fail(`timed out waiting for ${what}`)
}

run(async ([bootstrap]) => {
  const kafka = client(bootstrap, 'it-kafkajs-admin')
  const admin = kafka.admin()
  await admin.connect()
  try {
    const topic = 'kjs-admin'
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }), true)
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }), false,
      'second create must report TOPIC_ALREADY_EXISTS')
    assert.ok((await admin.listTopics()).includes(topic))

    await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] })
    await waitUntil(async () => {
      const md = await admin.fetchTopicMetadata({ topics: [topic] })
      return md.topics[0].partitions.length === 5
    }, '5 partitions')
    await expectKafkaError(admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }),
      'INVALID_PARTITIONS')

    await expectKafkaError(
      admin.createTopics({ topics: [{ topic: 'kjs-rf3', numPartitions: 1, replicationFactor: 3 }] }),
      'INVALID_REPLICATION_FACTOR')
    await expectKafkaError(admin.createTopics({ topics: [{ topic: 'bad name!', numPartitions: 1 }] }),
      'INVALID_TOPIC_EXCEPTION')
    const names = await admin.listTopics()
    assert.ok(!names.includes('kjs-rf3') && !names.includes('bad name!'), names.join(','))

    await admin.deleteTopics({ topics: [topic] })
    await waitUntil(async () => !(await admin.listTopics()).includes(topic), 'topic deletion')

    // ListOffsets: 50 records with spaced timestamps in partition 0 of a fresh topic.
    const times = 'kjs-times'
    assert.equal(await admin.createTopics({ topics: [{ topic: times, numPartitions: 2 }] }), true)
    const base = Date.now() - 100000
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: times, acks: -1,
      messages: Array.from({ length: 50 }, (_, i) => ({
        partition: 0, key: 'k', value: `v${i}`, timestamp: String(base + i * 1000),
      })),
    })
    await producer.disconnect()
    const offsets = (await admin.fetchTopicOffsets(times)).sort((a, b) => a.partition - b.partition)
    assert.deepEqual(offsets.map(o => [o.partition, o.low, o.high]),
      [[0, '0', '50'], [1, '0', '0']])
    const at = async ts => (await admin.fetchTopicOffsetsByTimestamp(times, ts))
      .sort((a, b) => a.partition - b.partition).map(o => o.offset)
    assert.deepEqual(await at(base + 20500), ['21', '0'])
    assert.deepEqual(await at(base - 1), ['0', '0'])
    // Past the last record Kafka answers -1 and kafkajs substitutes the high watermark.
    assert.deepEqual(await at(base + 500000), ['50', '0'])
  } finally {
    await admin.disconnect()
  }
})
