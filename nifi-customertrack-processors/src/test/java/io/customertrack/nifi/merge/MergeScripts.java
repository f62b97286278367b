package io.customertrack.nifi.merge;

/** For test code outside this package: a {@link MergeScript} from a script's text (e.g. a previous release's rendering). */
public final class MergeScripts {

    private MergeScripts() {
    }

    /** The merge statements of {@code script}, a rendering of {@code 04_merge.sql}. */
    public static MergeScript parse(final String script) {
        return MergeScript.parse(script);
    }
}
