/*
 * Every scheduled job, named once. The id is what the API (/jobs/{id}/runs),
 * the CLI (`accrue jobs run ID`), the console, job_run.job_name, Quartz's job
 * key and the setting accrue.jobs.schedule.<id> spell; the default cron is
 * what a node schedules when that setting is absent.
 */
package org.accrue.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

public enum JobName {
    POSTING("posting", "0 0 2 * * ?"),
    STATEMENT_FILE("statement-file", "0 30 2 * * ?"),
    MILES_ACCRUAL("miles-accrual", "0 */15 * * * ?"),
    RECONCILIATION("reconciliation", "0 0 6 * * ?"),
    EXPIRY("expiry", "0 0 1 * * ?"),
    TIERS("tiers", "0 0 3 * * ?"),
    MERCHANT_INVOICING("merchant-invoicing", "0 0 4 1 * ?"),
    WIN_BACK("win-back", "0 30 3 * * ?"),
    PARTNER_INVOICING("partner-invoicing", "0 30 4 1 * ?");

    private final String id;
    private final String defaultCron;

    JobName(String id, String defaultCron) {
        this.id = id;
        this.defaultCron = defaultCron;
    }

    /** The job's name as the API, CLI and settings spell it ("statement-file"). */
    public String id() {
        return id;
    }

    /** The Quartz cron a node uses when accrue.jobs.schedule.<id> is not set (UTC). */
    public String defaultCron() {
        return defaultCron;
    }

    /** The job whose id is {@code id} exactly, if there is one. */
    public static Optional<JobName> parse(String id) {
        return Arrays.stream(values()).filter(j -> j.id.equals(id)).findFirst();
    }

    /** Every id, in the order jobs are listed. */
    public static List<String> ids() {
        return Arrays.stream(values()).map(JobName::id).toList();
    }

    /** The id: a job in a log line or a message reads as the API spells it. */
    @Override
    public String toString() {
        return id;
    }
}
