package org.accrue.processor.miles;

import java.time.LocalDate;

/** One accrual as the airline sees it; the same id always goes with the same body. */
public record AccrualRequest(String accrualId, String memberNumber, String lastName, long miles, LocalDate activityDate,
                             String description) {
    @Override
    public String toString() {
        return "AccrualRequest[" + accrualId + ", member ..." + last4(memberNumber) + ", miles " + miles + "]";
    }

    static String last4(String s) {
        return s == null || s.length() <= 4 ? "****" : s.substring(s.length() - 4);
    }
}
