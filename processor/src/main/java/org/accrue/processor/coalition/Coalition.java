/*
 * A coalition (issue 17 item 6): members (a fuel chain, a food-delivery partner, a bank...) whose points are
 * redeemable at each other. Each member names its points program (null: it only takes others' points) and the
 * agreed cash value of 1,000 of its points, in the coalition's currency, when they are redeemed at another member:
 * the earning member owes the redeeming member that value (Coalitions).
 */
package org.accrue.processor.coalition;

import java.util.List;
import java.util.Optional;

public record Coalition(String coalitionId, String name, String currency, List<Member> members) {
    public static final int MEMBERS_MAX = 50;

    public record Member(String memberId, String name, String program, long cashMinorPer1000Points) {
    }

    public Coalition {
        members = List.copyOf(members);
    }

    public Optional<Member> member(String memberId) {
        return members.stream().filter(m -> m.memberId().equals(memberId)).findFirst();
    }

    /** The member whose program this is. */
    public Optional<Member> ofProgram(String program) {
        return members.stream().filter(m -> program != null && program.equals(m.program())).findFirst();
    }

    /** A cross-member redemption as made (or first made, for a replay). */
    public record Redemption(String redemptionId, String coalitionId, String earningMember, String redeemingMember,
                             String program, long points, long amountMinor, String currency, String rewardId,
                             java.time.Instant createdAt) {
    }

    /** What the debtor (earning member) owes the creditor (redeeming member) for a period [start, end). */
    public record Settlement(String settlementId, String coalitionId, String debtorMember, String creditorMember,
                             java.time.LocalDate periodStart, java.time.LocalDate periodEnd, int redemptions, long points,
                             long amountMinor, String currency, java.time.Instant createdAt) {
    }
}
