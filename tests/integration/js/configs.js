'use strict'
// usage: node configs.js <bootstrap> <topic>
// Topic configs through kafkajs admin: describeConfigs (with synonyms), alterConfigs, and a bad
// value refused with INVALID_CONFIG.
const { ConfigResourceTypes } = require('kafkajs')
const { assert, client, expectKafkaError, run } = require('./common')

run(async ([bootstrap, topic]) => {
  const admin = client(bootstrap, 'it-kafkajs-configs').admin()
  await admin.connect()
  try {
    const describe = async () => {
      const out = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      })
      const entries = out.resources[0].configEntries
      return Object.fromEntries(entries.map(e => [e.configName, e]))
    }
    let configs = await describe()
    assert.equal(configs['retention.ms'].configValue, '604800000')
    assert.equal(configs['retention.ms'].isDefault, true)
    assert.ok(configs['cleanup.policy'], 'cleanup.policy described')

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [{ name: 'retention.ms', value: '86400000' }],
      }],
    })
    configs = await describe()
    assert.equal(configs['retention.ms'].configValue, '86400000')
    assert.equal(configs['retention.ms'].isDefault, false)
    assert.equal(configs['retention.ms'].configSynonyms[0].configSource, 1)  // TOPIC_CONFIG

    await expectKafkaError(admin.alterConfigs({
      validateOnly: false,
      resources: [{
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [{ name: 'cleanup.policy', value: 'shred' }],
      }],
    }), 'INVALID_CONFIG')
    configs = await describe()
    assert.equal(configs['cleanup.policy'].configValue, 'delete')
    console.log('scenario passed')
  } finally {
    await admin.disconnect()
  }
})
