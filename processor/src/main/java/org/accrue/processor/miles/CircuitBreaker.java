/*
 * The circuit breaker of one airline partner (airline-partner-api.md: a
 * partner that keeps failing is not called by every job run).
 *
 * It counts calls, not attempts: after breakerFailures consecutive calls that
 * ended unresolved it opens for breakerCoolOffMs by the injected clock, and
 * calls are not admitted. After the cool-off exactly one trial call is
 * admitted (half-open); its answer closes the circuit, its failure opens it
 * for another cool-off. Any answer, refusals included, resets the count: the
 * partner is up. A call given up on our side (interrupt, bug) says nothing
 * about the partner and only frees the trial slot.
 */
package org.accrue.processor.miles;

import java.time.Instant;
import java.time.InstantSource;

import org.accrue.processor.miles.AirlinePartner.CircuitPosition;
import org.accrue.processor.miles.AirlinePartner.CircuitState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class CircuitBreaker {
    // The client's log category: operators filter airline lines by it, whichever part of the client writes them.
    private static final Logger log = LoggerFactory.getLogger(AirlinePartner.class);

    /** How a call ended for the breaker: an answer, an unknown outcome, or given up on our side (interrupt, bug). */
    enum Verdict { ANSWERED, UNKNOWN, ABANDONED }

    sealed interface Admission {
        record Go(boolean trial) implements Admission {
        }

        record Blocked(Instant until) implements Admission {
        }
    }

    private final PartnerSettings settings;
    private final InstantSource clock;

    // Guarded by this.
    private int consecutiveFailures;
    private Instant openUntil;
    private boolean trialInFlight;

    CircuitBreaker(PartnerSettings settings, InstantSource clock) {
        this.settings = settings;
        this.clock = clock;
    }

    synchronized CircuitState state() {
        if (openUntil == null) {
            return new CircuitState(CircuitPosition.CLOSED, consecutiveFailures, null);
        }
        return new CircuitState(clock.instant().isBefore(openUntil) ? CircuitPosition.OPEN : CircuitPosition.HALF_OPEN,
                consecutiveFailures, openUntil);
    }

    /** A closed circuit lets every call go; an open one none; a half-open one a single trial at a time. */
    synchronized Admission admit() {
        if (openUntil == null) {
            return new Admission.Go(false);
        }
        if (trialInFlight || clock.instant().isBefore(openUntil)) {
            return new Admission.Blocked(openUntil);
        }
        trialInFlight = true;
        return new Admission.Go(true);
    }

    void settle(boolean trial, Verdict verdict) {
        Instant opened = null;
        boolean closed = false;
        synchronized (this) {
            if (trial) {
                trialInFlight = false;
            }
            switch (verdict) {
                case ANSWERED -> {
                    closed = openUntil != null;
                    consecutiveFailures = 0;
                    openUntil = null;
                }
                case UNKNOWN -> {
                    consecutiveFailures++;
                    if (trial || consecutiveFailures >= settings.breakerFailures()) {
                        openUntil = clock.instant().plusMillis(settings.breakerCoolOffMs());
                        opened = openUntil;
                    }
                }
                case ABANDONED -> {
                    // Says nothing about the partner; a released trial slot lets the next call try.
                }
            }
        }
        if (opened != null) {
            log.warn("airline {}: {} unresolved call(s) in a row{}, circuit open until {}", settings.program(),
                    settings.breakerFailures(), trial ? " (the trial failed)" : "", opened);
        } else if (closed) {
            log.info("airline {}: answering again, circuit closed", settings.program());
        }
    }
}
