package dev.tributary.actors.master;

import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.trainer.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * The checkpoint step of the kernel, two phases: the trainer and the replay buffer each write their part where
 * they live (at once, in parallel); once both have answered, {@link Checkpointer#commit} checks the parts and
 * commits the manifest on the blocking dispatcher, and the run goes on. A part or a commit that fails fails the
 * run: continuing without the checkpoint the user asked for would lose work silently.
 */
final class CheckpointStep {
    private record GotPart(PartReply reply) implements Master.Internal {
    }

    private record Committed(Throwable failure) implements Master.Internal, NoSerializationVerificationNeeded {
    }

    private final MasterKernel kernel;

    CheckpointStep(MasterKernel kernel) {
        this.kernel = kernel;
    }

    Behavior<Master.Command> checkpoint(Run run, Function<Run, Behavior<Master.Command>> then) {
        var replyTo = kernel.adapter(PartReply.class, GotPart::new);
        kernel.roles().trainer().tell(new Trainer.SavePart(run.iteration(), replyTo));
        kernel.roles().replay().tell(new ReplayBuffer.SavePart(run.iteration(), replyTo));
        return parts(run, List.of(), then);
    }

    private Behavior<Master.Command> parts(Run run, List<PartReply.Written> written,
                                           Function<Run, Behavior<Master.Command>> then) {
        if (written.size() == 2) {
            return commit(run, written, then);
        }
        return kernel.await(run, GotPart.class, (r, p) -> {
            if (p.reply() instanceof PartReply.Written w && w.iteration() == r.iteration()) {
                List<PartReply.Written> more = new ArrayList<>(written);
                more.add(w);
                return parts(r, List.copyOf(more), then);
            }
            String why = p.reply() instanceof PartReply.Failed f ? f.reason() : "unexpected answer " + p.reply();
            throw new IllegalStateException("run stopped: the " + p.reply().part() + " part of the checkpoint after "
                    + "iteration " + r.iteration() + " was not written: " + why);
        });
    }

    private Behavior<Master.Command> commit(Run run, List<PartReply.Written> parts,
                                            Function<Run, Behavior<Master.Command>> then) {
        Checkpointer checkpointer = kernel.setup().checkpointer();
        var state = new Checkpointer.RunState(run.iteration(), run.version(), kernel.setup().sampler().statistics(),
                run.nextRoundAfterCheckpoint());
        Executor blocking = kernel.context().getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        kernel.context().pipeToSelf(CompletableFuture.runAsync(() -> {
            try {
                checkpointer.commit(state, parts);
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint after iteration " + state.iteration() + " failed: "
                        + e.getMessage(), e);
            }
        }, blocking), (ok, failure) -> new Committed(failure));
        return kernel.await(run, Committed.class, (r, s) -> {
            if (s.failure() != null) {
                Throwable cause = s.failure() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : s.failure();
                throw new IllegalStateException("run stopped: " + cause.getMessage(), cause);
            }
            return then.apply(r);
        });
    }
}
