/**
 * Miles for airline-miles offers, credited through each airline's partner API (airline-partner-api.md).
 *
 * <p>{@link org.accrue.processor.miles.AirlinePartner} is the HTTP client of one partner: it validates members,
 * sends accruals and reversals under an Idempotency-Key with byte-identical bodies on every retry, retries
 * unknown outcomes with capped, jittered backoff (or Retry-After), and stops calling a failing partner for a
 * cool-off (circuit breaker). It returns an {@link org.accrue.processor.miles.Outcome} and keeps no state but the
 * breaker. {@link org.accrue.processor.miles.MilesAccrual} is the scheduled job that persists what is owed and
 * what each call ended in.
 */
package org.accrue.processor.miles;
