package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.operator.resources.CaRotationPlan.CaState;
import dev.kvstore.operator.resources.CaRotationPlan.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A CA replaced by one of a new key: trusted everywhere first, then signing, then alone; each step only once
 * every store shows the one before, so that no handshake fails on the way.
 */
class CaRotationPlanTest {

    private static final Instant NOW = Instant.parse("2026-12-06T09:00:00Z");
    private static final Duration WEEK = Duration.ofDays(7);
    private static final Duration GRACE = Duration.ofSeconds(120);
    private final CertificateAuthority old = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));
    private final CertificateAuthority fresh = CertificateAuthority.create("kv-ca-20261206-090000", NOW, Duration.ofDays(3650));
    private final AtomicInteger made = new AtomicInteger();

    private CaRotationPlan decide(String request, CaState state, Instant now, Map<String, Boolean> shown) {
        return decide(request, state, now, true, shown);
    }

    private CaRotationPlan decide(String request, CaState state, Instant now, boolean published, Map<String, Boolean> shown) {
        return CaRotationPlan.decide(request, state, now, WEEK, GRACE, published, shown, () -> {
            made.incrementAndGet();
            return fresh;
        });
    }

    private static Map<String, Boolean> shown(Boolean kv0, Boolean kv1, Boolean kv2) {
        Map<String, Boolean> shown = new HashMap<>();
        shown.put("kv-0", kv0);
        shown.put("kv-1", kv1);
        shown.put("kv-2", kv2);
        return shown;
    }

    @Nested
    class Beginning {

        @Test
        void nothingIsDoneWithoutARequestWhileTheCaOutlastsRenewBefore() {
            CaRotationPlan plan = decide(null, new CaState(old, null, Step.NONE, null, null), NOW, Map.of());
            assertThat(plan.write()).isNull();
            assertThat(plan.condition()).isNull();
            assertThat(made).hasValue(0);
        }

        @Test
        void aNewRequestMakesTheNewCaAndHasItTrustedBesideTheOldWhileTheOldStillSigns() {
            CaRotationPlan plan = decide("1", new CaState(old, null, Step.NONE, null, null), NOW, Map.of());
            assertThat(plan.write()).isEqualTo(new CaState(old, fresh, Step.TRUST, null, "1"));
            assertThat(plan.condition()).isFalse();
            assertThat(plan.message()).contains("step 1 of 3", "asked for by kvstore.dev/rotate-ca=1");
            CaInUse inUse = plan.write().inUse();
            assertThat(inUse.signer()).isSameAs(old);
            assertThat(inUse.trusted()).containsExactly(old, fresh);
            assertThat(inUse.trustPem()).isEqualTo(old.certificatePem() + fresh.certificatePem());
        }

        @Test
        void theRequestAlreadyAnsweredIsReportedDoneFromTheSecretAlone() {
            CaRotationPlan plan = decide("1", new CaState(fresh, null, Step.NONE, null, "1"), NOW, Map.of());
            assertThat(plan.write()).isNull();
            assertThat(plan.condition()).isTrue();
            assertThat(plan.reason()).isEqualTo("Rotated");
            assertThat(plan.message()).contains("CN=kv-ca-20261206-090000");
            assertThat(made).hasValue(0);
        }

        @Test
        void aCaWithinRenewBeforeOfItsExpiryIsReplacedWithoutBeingAsked() {
            CertificateAuthority ending = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(30));
            CaState state = new CaState(ending, null, Step.NONE, null, "1");
            assertThat(decide(null, state, NOW.plus(Duration.ofDays(22)), Map.of()).write()).as("8 days left").isNull();
            CaRotationPlan plan = decide(null, state, NOW.plus(Duration.ofDays(23)), Map.of());
            assertThat(plan.write()).as("the last request is kept: it was answered")
                    .isEqualTo(new CaState(ending, fresh, Step.TRUST, null, "1"));
            assertThat(plan.message()).contains("within renewBeforeDays");
        }
    }

    @Nested
    class Steps {

        private final CaState trusting = new CaState(old, fresh, Step.TRUST, NOW.minus(GRACE), "1");
        private final CaState serving = new CaState(old, fresh, Step.SERVE, NOW, "1");

        @Test
        void theNewCaSignsOnlyOnceEveryStoreTakesACertificateOfIt() {
            for (Map<String, Boolean> notYet : List.of(shown(true, false, true), shown(true, true, null))) {
                CaRotationPlan plan = decide("1", trusting, NOW, notYet);
                assertThat(plan.write()).as("%s", notYet).isNull();
                assertThat(plan.condition()).isFalse();
                assertThat(plan.message()).contains("step 1 of 3", "waiting for");
            }
            assertThat(decide("1", trusting, NOW, shown(true, false, null)).message()).contains("[kv-1, kv-2]");

            CaRotationPlan plan = decide("1", trusting, NOW, shown(true, true, true));
            assertThat(plan.write()).isEqualTo(serving);
            assertThat(plan.write().stepSince()).isEqualTo(NOW);
            CaInUse inUse = plan.write().inUse();
            assertThat(inUse.signer()).as("the stores' and the operator's certificates now of the new CA").isSameAs(fresh);
            assertThat(inUse.trusted()).as("the old still trusted: a store may show its certificate until it reloads")
                    .containsExactly(old, fresh);
            assertThat(made).hasValue(0);
        }

        @Test
        void theGraceCountsFromTheMomentTheConfigMapGivesClientsTheNewCa() {
            CaState begun = new CaState(old, fresh, Step.TRUST, null, "1");
            CaRotationPlan notYet = decide("1", begun, NOW, false, shown(true, true, true));
            assertThat(notYet.write()).as("the ConfigMap not written yet (a failed write)").isNull();
            assertThat(notYet.message()).contains("ConfigMap");
            CaRotationPlan given = decide("1", begun, NOW, true, shown(true, true, true));
            assertThat(given.write()).isEqualTo(new CaState(old, fresh, Step.TRUST, NOW, "1"));
            assertThat(decide("1", given.write(), NOW.plus(GRACE).minusSeconds(1), true, shown(true, true, true)).write())
                    .isNull();
            assertThat(decide("1", given.write(), NOW.plus(GRACE), true, shown(true, true, true)).write().step())
                    .isEqualTo(Step.SERVE);
        }

        @Test
        void theNewCaSignsOnlyOnceClientsHadTheGracePeriodToReadItFromTheConfigMap() {
            CaState justPublished = new CaState(old, fresh, Step.TRUST, NOW.minus(GRACE).plusSeconds(1), "1");
            CaRotationPlan early = decide("1", justPublished, NOW, shown(true, true, true));
            assertThat(early.write()).as("every store trusts it, clients may not yet").isNull();
            assertThat(early.message()).contains("caRotationGraceSeconds");
            assertThat(decide("1", justPublished, NOW.plusSeconds(1), shown(true, true, true)).write().step())
                    .isEqualTo(Step.SERVE);
        }

        @Test
        void aTrustStepThatOutlastsTheOldCaGoesOnAtOnceSinceNoCertificateOfItPassesAnyMore() {
            CertificateAuthority ending = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(1));
            CaState waiting = new CaState(ending, fresh, Step.TRUST, NOW, "1");
            assertThat(decide("1", waiting, NOW.plus(Duration.ofHours(23)), shown(true, null, true)).write()).isNull();
            CaRotationPlan plan = decide("1", waiting, NOW.plus(Duration.ofDays(2)), shown(true, null, true));
            assertThat(plan.write().step()).isEqualTo(Step.SERVE);
            assertThat(plan.message()).contains("expired");
        }

        @Test
        void theOldCaIsDroppedOnlyOnceEveryStoreShowsACertificateOfTheNew() {
            CaRotationPlan waiting = decide("1", serving, NOW, shown(true, false, true));
            assertThat(waiting.write()).isNull();
            assertThat(waiting.message()).contains("step 2 of 3", "[kv-1]");

            CaRotationPlan done = decide("1", serving, NOW, shown(true, true, true));
            assertThat(done.write()).isEqualTo(new CaState(fresh, null, Step.NONE, null, "1"));
            assertThat(done.write().inUse().trusted()).containsExactly(fresh);
            assertThat(done.condition()).isTrue();
            assertThat(done.event()).contains("CN=kv-ca", "CN=kv-ca-20261206-090000");
        }

        @Test
        void aNewRequestDuringARotationWaitsForItAndThenRotatesAgain() {
            assertThat(decide("2", trusting, NOW, shown(true, true, true)).write()).isEqualTo(serving);
            CaState done = decide("2", serving, NOW, shown(true, true, true)).write();
            assertThat(done.rotatedFor()).isEqualTo("1");
            assertThat(decide("2", done, NOW, Map.of()).write().step()).isEqualTo(Step.TRUST);
        }
    }

    @Test
    void stepsReadAndWriteAsTheirAnnotation() {
        for (Step step : Step.values()) {
            assertThat(Step.of(step.annotation())).isEqualTo(step);
        }
        assertThat(Step.NONE.annotation()).isNull();
        assertThat(Step.TRUST.annotation()).isEqualTo("trust");
    }
}
