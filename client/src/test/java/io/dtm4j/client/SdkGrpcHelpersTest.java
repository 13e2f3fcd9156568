package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The RM-side gRPC helpers on their own: identity from metadata and the status rules of
 * docs/protocol.md §1.1.
 */
class SdkGrpcHelpersTest {

    private static Metadata metadata(String... pairs) {
        Metadata m = new Metadata();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(Metadata.Key.of(pairs[i], Metadata.ASCII_STRING_MARSHALLER), pairs[i + 1]);
        }
        return m;
    }

    @Test
    void identityIsReadFromTheDtmMetadata() {
        Metadata m = metadata(
                "dtm-trans_type", "tcc", "dtm-gid", "g;1", "dtm-branch_id", "01", "dtm-op", "cancel", "dtm-dtm", "");

        assertThat(BranchIdentity.fromGrpcMetadata(m)).isEqualTo(new BranchIdentity("tcc", "g1", "01", "cancel"));
    }

    @Test
    void identityWithAMissingKeyIsRefused() {
        Metadata m = metadata("dtm-trans_type", "tcc", "dtm-gid", "g1", "dtm-op", "try");

        assertThatThrownBy(() -> BranchIdentity.fromGrpcMetadata(m))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("branch_id ''");
    }

    @Test
    void outsideAnInterceptedCallThereIsNoMetadata() {
        assertThatThrownBy(GrpcBranch::identity)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GrpcBranch.interceptor()");
    }

    @Test
    void handlerErrorsBecomeTheStatusesDtmExpects() {
        assertThat(GrpcResults.statusFor(null).isOk()).isTrue();
        assertThat(GrpcResults.statusFor(new DtmFailureException("no money")).getCode())
                .isEqualTo(Status.Code.ABORTED);
        assertThat(GrpcResults.statusFor(new DtmDuplicatedException("dup")).getCode())
                .isEqualTo(Status.Code.ABORTED);
        assertThat(GrpcResults.statusFor(new DtmOngoingException("later")).getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(GrpcResults.statusFor(new IllegalStateException("bug")).getCode())
                .isEqualTo(Status.Code.UNKNOWN);
        assertThat(GrpcResults.exceptionFor(Status.UNAVAILABLE.asRuntimeException())
                        .getStatus()
                        .getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcResults.exceptionFor(new DtmFailureException("no money"))
                        .getStatus()
                        .getDescription())
                .isEqualTo("no money");
    }

    @Test
    void answerStatusesAreClassifiedLikeDtm() {
        assertThatCode(() -> GrpcResults.check(Status.OK)).doesNotThrowAnyException();
        assertThatThrownBy(() -> GrpcResults.check(Status.ABORTED.withDescription("no money")))
                .isExactlyInstanceOf(DtmFailureException.class)
                .hasMessageEndingWith("no money. FAILURE");
        assertThatThrownBy(() -> GrpcResults.check(Status.ABORTED.withDescription("ONGOING")))
                .isExactlyInstanceOf(DtmOngoingException.class);
        assertThatThrownBy(() -> GrpcResults.check(Status.FAILED_PRECONDITION))
                .isExactlyInstanceOf(DtmOngoingException.class);
        assertThatThrownBy(() -> GrpcResults.check(Status.UNAVAILABLE.withDescription("busy")))
                .isExactlyInstanceOf(DtmException.class)
                .hasMessageContaining("UNAVAILABLE");
    }
}
