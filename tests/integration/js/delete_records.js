'use strict'
// usage: node delete_records.js <bootstrap> <topic> <records in partition 0>
// DeleteRecords through kafkajs admin.deleteTopicRecords: an explicit offset moves the low
// watermark there, -1 moves it to the high watermark, an offset beyond the high watermark is
// refused with OFFSET_OUT_OF_RANGE.
const { assert, client, errorTypes, run } = require('./common')

run(async ([bootstrap, topic, count]) => {
  const n = parseInt(count)
  const admin = client(bootstrap, 'it-kafkajs-delete-records').admin()
  await admin.connect()
  try {
    const offsets = async () => (await admin.fetchTopicOffsets(topic)).find(o => o.partition === 0)
    let o = await offsets()
    assert.deepEqual([o.low, o.high], ['0', String(n)])

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '7' }] })
    o = await offsets()
    assert.deepEqual([o.low, o.high], ['7', String(n)])

    try {
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: String(n + 5) }] })
      assert.fail('DeleteRecords beyond the high watermark succeeded')
    } catch (e) {
      // kafkajs nests the per-partition errors of a KafkaJSDeleteTopicRecordsError in its
      // retrier's error.
      const types = new Set()
      const walk = (err, depth) => {
        if (!err || depth > 6) return
        errorTypes(err, types)
        for (const p of err.partitions || []) errorTypes(p.error, types)
        walk(err.cause, depth + 1)
        walk(err.originalError, depth + 1)
      }
      walk(e, 0)
      assert.ok(types.has('OFFSET_OUT_OF_RANGE'), `got ${[...types].join(',') || e.stack}`)
    }
    o = await offsets()
    assert.equal(o.low, '7')

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] })
    o = await offsets()
    assert.deepEqual([o.low, o.high], [String(n), String(n)])
  } finally {
    await admin.disconnect()
  }
})
