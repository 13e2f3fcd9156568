package io.dtm4j.server.engine;

import io.dtm4j.server.invoke.Outcome;

/** Turns the outcome that stopped a round into the error a waiting client sees. */
final class RoundErrors {
    private RoundErrors() {}

    static DtmException of(Outcome o) {
        if (o.isFailure()) {
            return new DtmException(DtmException.Kind.FAILURE, o.text());
        }
        if (o.isOngoing()) {
            return new DtmException(DtmException.Kind.ONGOING, o.text());
        }
        return DtmException.error(o.text());
    }
}
