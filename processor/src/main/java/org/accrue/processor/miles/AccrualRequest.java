package org.accrue.processor.miles;

import java.time.LocalDate;

/**
 * One accrual as the airline sees it; the same id always goes with the same body. The id is also the
 * Idempotency-Key and a path segment of reversals, hence its narrow alphabet. toString masks the member number.
 */
public record AccrualRequest(String accrualId, String memberNumber, String lastName, long miles, LocalDate activityDate,
                             String description) {
    public AccrualRequest {
        PartnerRequests.checkId(accrualId);
        if (memberNumber == null || memberNumber.isBlank()) {
            throw new IllegalArgumentException("accrual " + accrualId + ": no member number");
        }
        if (miles <= 0) {
            throw new IllegalArgumentException("accrual " + accrualId + ": miles must be positive, was " + miles);
        }
        if (activityDate == null) {
            throw new IllegalArgumentException("accrual " + accrualId + ": no activity date");
        }
    }

    @Override
    public String toString() {
        return "AccrualRequest[" + accrualId + ", member ..." + last4(memberNumber) + ", miles " + miles + "]";
    }

    /** The last 4 characters, the most of a member number a log or a message may show. */
    static String last4(String s) {
        return s == null || s.length() <= 4 ? "****" : s.substring(s.length() - 4);
    }
}
