package dev.tributary.actors.master;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.trainer.Trainer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * The checkpoint step of the kernel: the trainer's snapshot, then the replay buffer's contents, then
 * {@link Checkpointer#save} on the blocking dispatcher; the run goes on once the save returns. A failed save
 * fails the run: continuing without the checkpoint the user asked for would lose work silently.
 */
final class CheckpointStep {
    private record GotSnapshot(Trainer.Snapshot s) implements Master.Internal {
    }

    private record GotContents(ReplayBuffer.Contents c) implements Master.Internal {
    }

    private record Saved(Throwable failure) implements Master.Internal, NoSerializationVerificationNeeded {
    }

    private final MasterKernel kernel;

    CheckpointStep(MasterKernel kernel) {
        this.kernel = kernel;
    }

    Behavior<Master.Command> checkpoint(Run run, Function<Run, Behavior<Master.Command>> then) {
        kernel.roles().trainer().tell(new Trainer.GetSnapshot(kernel.adapter(Trainer.Snapshot.class,
                GotSnapshot::new)));
        return kernel.await(run, GotSnapshot.class, (r, s) -> contents(r, s.s(), then));
    }

    private Behavior<Master.Command> contents(Run run, Trainer.Snapshot snapshot,
                                              Function<Run, Behavior<Master.Command>> then) {
        kernel.roles().replay().tell(new ReplayBuffer.GetContents(kernel.adapter(ReplayBuffer.Contents.class,
                GotContents::new)));
        return kernel.await(run, GotContents.class, (r, c) -> save(r, new Checkpointer.RunState(r.iteration(),
                snapshot, c.c().trajectories(), kernel.setup().sampler().statistics()), then));
    }

    private Behavior<Master.Command> save(Run run, Checkpointer.RunState state,
                                          Function<Run, Behavior<Master.Command>> then) {
        Checkpointer checkpointer = kernel.setup().checkpointer();
        Executor blocking = kernel.context().getSystem().dispatchers().lookup(DispatcherSelector.blocking());
        kernel.context().pipeToSelf(CompletableFuture.runAsync(() -> {
            try {
                checkpointer.save(state);
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint after iteration " + state.iteration() + " failed: "
                        + e.getMessage(), e);
            }
        }, blocking), (ok, failure) -> new Saved(failure));
        return kernel.await(run, Saved.class, (r, s) -> {
            if (s.failure() != null) {
                Throwable cause = s.failure() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : s.failure();
                throw new IllegalStateException("run stopped: " + cause.getMessage(), cause);
            }
            return then.apply(r);
        });
    }
}
