/**
 * Load tests of a Tributary deployment on Pekko's ActorTestKit, without paying for a model: {@link
 * dev.tributary.testkit.LoadTest} runs the real runtime (master, work pulling, segment streams, replay buffer,
 * weight sync) with synthetic rollout, reward and trainer plug-ins timed by a {@link
 * dev.tributary.testkit.LoadProfile}, in one ActorSystem or over several on 127.0.0.1 with {@link
 * dev.tributary.testkit.Fault}s injected; tests wait on its {@link dev.tributary.testkit.IterationProbe} and check
 * its {@link dev.tributary.testkit.LoadReport}. {@link dev.tributary.testkit.ForkedNodes} starts nodes in JVMs of
 * their own (killed with SIGKILL, none left behind), {@link dev.tributary.testkit.ProgressLines} turns a run's
 * progress lines into futures a test waits on, and {@link dev.tributary.testkit.Loopback#freePorts} gives free ports
 * on 127.0.0.1.
 */
package dev.tributary.testkit;
