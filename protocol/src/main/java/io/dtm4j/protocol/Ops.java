package io.dtm4j.protocol;

/** Names of branch operations. Workflow branches may use any other name as well. */
public final class Ops {
    public static final String ACTION = "action";
    public static final String COMPENSATE = "compensate";
    public static final String TRY = "try";
    public static final String CONFIRM = "confirm";
    public static final String CANCEL = "cancel";
    public static final String COMMIT = "commit";
    public static final String ROLLBACK = "rollback";

    /** The op of the message check-back and of the DoAndSubmit barrier. */
    public static final String MSG = "msg";

    /** Branch id reserved for the msg check-back, the DoAndSubmit barrier and workflow callbacks. */
    public static final String RESERVED_BRANCH_ID = "00";

    private Ops() {}
}
