package org.accrue.processor.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobsInstanceIdTest {
    @Test
    void anAutomaticInstanceIdIsUniquePerNodeAndHasNoRunOfDigitsLikeACardNumber() {
        String first = JobSchedule.autoInstanceId();
        String second = JobSchedule.autoInstanceId();

        assertThat(first).isNotEqualTo(second);
        assertThat(first).matches("[A-Za-z0-9.-]{1,60}-[a-z]{12}").doesNotContainPattern("[0-9]{13}");
    }
}
