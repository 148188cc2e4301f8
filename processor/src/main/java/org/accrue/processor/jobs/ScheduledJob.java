package org.accrue.processor.jobs;

/** One scheduled job: idempotent, so a run interrupted anywhere is finished by the next run. */
@FunctionalInterface
public interface ScheduledJob {
    /** Does the job's work and returns a one-line summary of what it did (shown in GET /jobs and the demo). */
    String run(RunContext run) throws Exception;

    /**
     * What a run knows about itself; {@code progress} is who watches it ({@code Progress.NONE} but for `accrue jobs
     * run` at a terminal): a job that can say how far it is tells it, and does the same work either way.
     */
    record RunContext(String runId, org.accrue.config.JobName job, String requestedBy, java.time.Instant startedAt,
                      org.accrue.processor.Progress progress) {
    }
}
