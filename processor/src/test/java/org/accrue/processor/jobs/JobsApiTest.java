package org.accrue.processor.jobs;

import static org.accrue.processor.testing.TestConfig.KEY_ADMIN;
import static org.accrue.processor.testing.TestConfig.KEY_ISSUER_A;
import static org.accrue.processor.testing.TestConfig.KEY_OPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.accrue.processor.testing.Api;
import org.accrue.config.JobName;
import org.accrue.processor.testing.NodeSettings;
import org.accrue.processor.testing.ProcessorExtension;
import org.accrue.processor.testing.ProcessorExtension.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/** The jobs over the API, with the clustered Quartz scheduler on: list, run now, read the run. */
@ExtendWith(ProcessorExtension.class)
@NodeSettings({"accrue.jobs.enabled=true", "accrue.jobs.schedule.tiers=0 0 3 * * ?", "accrue.jobs.schedule.expiry=-"})
class JobsApiTest {

    @Test
    void theListShowsEveryJobWithItsScheduleAndNextRun(Node node) {
        Api api = new Api(node.processor().httpPort());

        Api.Response r = api.get("/jobs", KEY_OPS);

        assertThat(r.status()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        for (JsonNode j : r.json().get("jobs")) {
            names.add(j.get("name").asText());
            if (j.get("name").asText().equals("tiers")) {
                assertThat(j.get("schedule").asText()).isEqualTo("0 0 3 * * ?");
                assertThat(j.get("nextRunAt").asText()).endsWith("T03:00:00Z");
            }
            if (j.get("name").asText().equals("expiry")) {
                assertThat(j.get("nextRunAt").isNull()).as("manual only").isTrue();
            }
        }
        assertThat(names).containsAll(List.of("posting", "statement-file", "miles-accrual", "expiry", "tiers",
                "merchant-invoicing", "win-back", "partner-invoicing"));
        assertThat(org.accrue.config.JobName.ids()).containsAll(names);
    }

    @Test
    void aSecondNodesSchedulerInTheSameJvmIsItsOwnInstanceAndLeavesTheFirstNodesAlone(Node node) {
        var config = node.processor().config();
        Jobs first = node.processor().jobs();

        // Quartz binds schedulers JVM-wide by name: the second was handed the first's (issue 14), then refused.
        try (Jobs second = Jobs.start(node.processor().store().dataSource(), java.time.InstantSource.system(),
                config.jobs(), java.util.Map.of())) {
            assertThat(second.node()).isNotEqualTo(first.node());
            assertThat(second.isRunning()).isTrue();
        }
        assertThat(first.isRunning()).as("closing the second leaves the first's scheduler running").isTrue();
        assertThat(new Api(node.processor().httpPort()).get("/jobs", KEY_OPS).status()).isEqualTo(200);
    }

    @Test
    void aScheduleFireTimeIsRecordedOnceSoTheSecondNodeToFireItDoesNotRunIt(Node node) {
        JobRuns runs = new JobRuns(node.processor().store().dataSource());
        java.time.Instant fireTime = java.time.Instant.parse("2026-12-03T03:00:00Z");
        java.time.Instant now = java.time.Instant.now();

        assertThat(runs.insertScheduled(org.accrue.processor.ids.Ids.next("run"), JobName.TIERS, now, fireTime)).isTrue();
        assertThat(runs.insertScheduled(org.accrue.processor.ids.Ids.next("run"), JobName.TIERS, now, fireTime))
                .as("the same fire time fired by another node").isFalse();
        assertThat(runs.insertScheduled(org.accrue.processor.ids.Ids.next("run"), JobName.TIERS, now,
                fireTime.plusSeconds(3600))).as("the next fire time").isTrue();
        assertThat(runs.insertScheduled(org.accrue.processor.ids.Ids.next("run"), JobName.EXPIRY, now, fireTime))
                .as("another job's").isTrue();
    }

    @Test
    void aRequestedRunIsAcceptedRunsOnTheSchedulerAndIsReadableWithItsSummary(Node node) throws Exception {
        Api api = new Api(node.processor().httpPort());

        Api.Response r = api.post("/jobs/tiers/runs", KEY_OPS, "");

        assertThat(r.status()).isEqualTo(202);
        String runId = r.json().get("runId").asText();
        Jobs.Run run = node.processor().jobs().await(runId, Duration.ofMinutes(1).toMillis());
        assertThat(run.status()).isEqualTo(Jobs.RunStatus.SUCCEEDED);
        assertThat(run.summary()).startsWith("tiers recomputed");
        JsonNode read = api.get("/jobs/tiers/runs/" + runId, KEY_ADMIN).json();
        assertThat(read.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(read.get("requestedBy").asText()).isEqualTo("api:ops");
        assertThat(read.get("node").asText()).isNotBlank();
        assertThat(api.get("/jobs", KEY_OPS).json().toString()).contains(runId);
    }

    @Test
    void anUnknownJobIsNotFoundAndIssuersMayNotRunJobs(Node node) {
        Api api = new Api(node.processor().httpPort());

        assertThat(api.post("/jobs/no-such-job/runs", KEY_OPS, "").status()).isEqualTo(404);
        assertThat(api.post("/jobs/posting/runs", KEY_ISSUER_A, "").status()).isEqualTo(403);
        assertThat(api.get("/jobs", KEY_ISSUER_A).status()).isEqualTo(403);
        assertThat(api.post("/jobs/posting/runs", null, "").status()).isEqualTo(401);
        assertThat(api.get("/jobs/posting/runs/run_nope", KEY_OPS).status()).isEqualTo(404);
    }
}
