'use strict'
// Helpers shared by the kafkajs scenarios. Each scenario is a plain node script that exits non-zero
// on failure; tests/integration/test_kafkajs.py runs them against a broker it owns.

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
const assert = require('node:assert/strict')
const { Kafka, logLevel } = require('kafkajs')

function client(bootstrap, clientId) {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { retries: 5, initialRetryTime: 200 },
  })
}

// Every error type reachable from a kafkajs error (they nest through cause / errors / originalError).
function errorTypes(e, out = new Set(), depth = 0) {
  if (!e || depth > 6) return out
  if (e.type) out.add(e.type)
  for (const inner of [e.cause, e.originalError]) errorTypes(inner, out, depth + 1)
  for (const inner of e.errors || []) errorTypes(inner, out, depth + 1)
  return out
}

async function expectKafkaError(promise, type) {
  try {
    await promise
  } catch (e) {
    const types = errorTypes(e)
    assert.ok(types.has(type), `expected ${type}, got ${[...types].join(',') || e.stack}`)
    return
  }
  assert.fail(`expected ${type}, but the call succeeded`)
}

// Same shape as samsa_fixture.make_records: the value carries key and per-key sequence.
function makeRecords(n, tag, keys = 97) {
  const seq = new Map()
  const out = []
  for (let i = 0; i < n; i++) {
    const k = `key-${String(i % keys).padStart(3, '0')}`
    const s = seq.get(k) || 0
    seq.set(k, s + 1)
    const v = `${tag}|${k}|${String(s).padStart(6, '0')}|${String(i).padStart(6, '0')}|` +
      'payload-'.repeat(8)
    out.push({ key: k, value: v })
  }
  return out
}

// produced: [{key, value}] in produce order; consumed: [{partition, offset, key, value}] in delivery
// order. Content equal, key sticks to one partition, offsets 0..n-1 per partition in produce order.
function checkRoundtrip(produced, consumed, partitions) {
  assert.equal(consumed.length, produced.length, 'record count')
  const want = produced.map(r => `${r.key}\u0000${r.value}`).sort()
  const got = consumed.map(r => `${r.key}\u0000${r.value}`).sort()
  assert.deepEqual(got, want, 'content differs')
  const partOfKey = new Map()
  for (const r of consumed) {
    if (!partOfKey.has(r.key)) partOfKey.set(r.key, r.partition)
    assert.equal(r.partition, partOfKey.get(r.key), `key ${r.key} in two partitions`)
    assert.ok(r.partition >= 0 && r.partition < partitions, `partition ${r.partition}`)
  }
  assert.ok(new Set(partOfKey.values()).size > 1, 'all keys in one partition')
  const index = new Map(produced.map((r, i) => [r.value, i]))
  const last = new Map()
  const count = new Map()
  for (const r of consumed) {
    const [prevOff, prevIdx] = last.get(r.partition) || [-1, -1]
    const off = Number(r.offset)
    assert.ok(off > prevOff, `partition ${r.partition}: offset ${off} after ${prevOff}`)
    const idx = index.get(r.value)
    assert.ok(idx > prevIdx, `partition ${r.partition}: record #${idx} stored after #${prevIdx}`)
    last.set(r.partition, [off, idx])
    count.set(r.partition, (count.get(r.partition) || 0) + 1)
  }
  for (const [p, [off]] of last) {
    assert.equal(off, count.get(p) - 1, `partition ${p}: offsets do not run 0..n-1`)
  }
}

// Runs main() with an overall deadline so a hung client never outlives the pytest timeout.
function run(main, timeoutMs = 120000) {
  const timer = setTimeout(() => {
    console.error(`scenario timed out after ${timeoutMs} ms`)
    process.exit(3)
  }, timeoutMs)
  main(process.argv.slice(2)).then(
    () => {
      clearTimeout(timer)
      console.log('scenario passed')
      process.exit(0)
    },
    e => {
      clearTimeout(timer)
      console.error('scenario failed:', e && e.stack ? e.stack : e)
      process.exit(1)
    }
  )
}

module.exports = { assert, client, errorTypes, expectKafkaError, makeRecords, checkRoundtrip, run }
