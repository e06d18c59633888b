import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { longDate } from '../../src/services/long-date.js'

const reference = (date: Date) =>
  date.toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  })

describe('longDate', () => {
  it('reads as toLocaleDateString in UTC, whatever the time of day', () => {
    const dates = [
      '1970-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '2026-11-26T00:00:00Z',
      '2026-11-26T23:59:59.999Z',
      '2024-02-29T12:00:00Z',
      '1999-02-03T08:00:00Z',
    ].map((text) => new Date(text))
    // Twice: the second pass answers from the per-day texts.
    for (const date of [...dates, ...dates]) assert.equal(longDate(date), reference(date))
    assert.equal(longDate(new Date('2026-11-26T23:59:59.999Z')), 'November 26, 2026')
    assert.equal(longDate(new Date('1969-12-31T23:59:59.999Z')), 'December 31, 1969')
  })

  it('keeps answering right past its cache bound', () => {
    for (let day = 0; day < 2500; day += 1) {
      const date = new Date(day * 86_400_000 + 3_600_000)
      assert.equal(longDate(date), reference(date))
    }
  })

  it('treats an invalid date as before', () => {
    assert.equal(longDate(new Date(Number.NaN)), 'Invalid Date')
  })
})
