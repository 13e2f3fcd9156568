package io.dtm4j.spring.flux;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A WebFlux service with branch handlers that answer each outcome. */
@SpringBootApplication
public class FluxApplication {
    @RestController
    static class Branches {
        @PostMapping("/identity")
        Mono<String> identity(BranchIdentity branch) {
            return Mono.just(branch.transType() + " " + branch.gid() + " " + branch.branchId() + " " + branch.op());
        }

        @PostMapping("/failure")
        Mono<Void> failure(BranchIdentity branch) {
            return Mono.error(new DtmFailureException("refused " + branch.gid()));
        }

        @PostMapping("/ongoing")
        void ongoing(BranchIdentity branch) {
            throw new DtmOngoingException("later");
        }

        @PostMapping("/error")
        void error(BranchIdentity branch) {
            throw new IllegalStateException("broken");
        }

        @PostMapping("/plain")
        void plain() {
            throw new DtmFailureException("not a branch handler");
        }
    }
}
