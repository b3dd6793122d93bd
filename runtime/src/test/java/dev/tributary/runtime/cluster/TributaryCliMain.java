package dev.tributary.runtime.cluster;

/** The CLI's main class, as forked node JVMs are started with. */
final class TributaryCliMain {
    static final String CLASS = dev.tributary.runtime.cli.TributaryCli.class.getName();

    private TributaryCliMain() {
    }
}
