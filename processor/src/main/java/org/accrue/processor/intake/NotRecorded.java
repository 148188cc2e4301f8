package org.accrue.processor.intake;

/** Why a message was answered 96 (not recorded): the tag of accrue.journal.not_recorded. */
public enum NotRecorded {
    /** Its batch's transaction had not committed by the deadline. */
    DEADLINE("deadline"),
    /** It waited in a writer's queue until its deadline had passed. */
    QUEUED_PAST_DEADLINE("queued_past_deadline"),
    /** The store was known to be down when it arrived or was taken: answered at once. */
    STORE_DOWN("store_down"),
    /** The writer's queue was full. */
    QUEUE_FULL("queue_full"),
    /** Its batch's transaction failed before the deadline. */
    STORE_ERROR("store_error"),
    /** The node was stopping. */
    SHUTDOWN("shutdown");

    private final String tag;

    NotRecorded(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
