package dev.tributary.model.reward;

import dev.tributary.model.Require;
import dev.tributary.model.token.Tokenizer;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A learned reward model on Deeplearning4j: a {@link ComputationGraph} reading prompt + response tokens and
 * answering the probability that the response is correct (the value-head reward model of Kimi k1.5 §2.3.2, sized
 * for the built-in tasks). Tokens are embedded, a 1-d convolution reads each token's neighbourhood (a scratchpad
 * column such as {@code 7+8+0=15,}) and is max-pooled over the sequence, an LSTM reads the whole sequence, and
 * both feed a dense layer and a sigmoid.
 *
 * <p>Sequences are left-padded to the context length with PAD, so the LSTM's last step is always the response's
 * last token and no mask is needed. Not thread-safe for training; {@link #probabilities} is synchronized.
 */
public final class RewardModel {
    private final RewardModelShape shape;
    private final String task;
    private final String alphabet;
    private final ComputationGraph graph;

    RewardModel(RewardModelShape shape, String task, String alphabet, ComputationGraph graph) {
        this.shape = shape;
        this.task = Require.nonBlank(task, "reward model task");
        this.alphabet = alphabet;
        this.graph = graph;
    }

    /** A fresh model for {@code task}'s sequences, trained with Adam at {@code learningRate}. */
    public static RewardModel create(RewardModelShape shape, String task, Tokenizer tokenizer, double learningRate,
                                     long seed) {
        if (shape.vocabSize() != tokenizer.vocabSize()) {
            throw new IllegalArgumentException("reward model vocabulary " + shape.vocabSize() + " must equal the "
                    + "tokenizer's " + tokenizer.vocabSize());
        }
        Require.positive(learningRate, "reward model learning rate");
        int t = shape.contextLength();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(learningRate))
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("tokens")
                .addLayer("embed", new EmbeddingSequenceLayer.Builder().nIn(shape.vocabSize())
                        .nOut(shape.embedding()).inputLength(t).build(), "tokens")
                .addLayer("conv", new Convolution1DLayer.Builder().kernelSize(shape.kernel()).nIn(shape.embedding())
                        .nOut(shape.hidden())
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "embed")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "conv")
                .addLayer("lstm", new LastTimeStep(new LSTM.Builder().nIn(shape.hidden()).nOut(shape.hidden())
                        .activation(Activation.TANH).build()), "conv")
                .addVertex("merge", new MergeVertex(), "pool", "lstm")
                .addLayer("dense", new DenseLayer.Builder().nIn(2 * shape.hidden()).nOut(shape.hidden()).activation(Activation.RELU).build(),
                        "merge")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(shape.hidden())
                        .nOut(1).activation(Activation.SIGMOID).build(), "dense")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return new RewardModel(shape, task, tokenizer.alphabet(), graph);
    }

    public RewardModelShape shape() {
        return shape;
    }

    /** The task whose responses this model scores. */
    public String task() {
        return task;
    }

    /** The alphabet of the tokenizer its token ids belong to. */
    public String alphabet() {
        return alphabet;
    }

    public long parameters() {
        return graph.numParams();
    }

    ComputationGraph graph() {
        return graph;
    }

    /** P(correct) of each response to its prompt. */
    public synchronized double[] probabilities(List<int[]> prompts, List<int[]> responses) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size()
                    + " responses; expected one response per prompt");
        }
        double[] out = new double[prompts.size()];
        if (out.length == 0) {
            return out;
        }
        INDArray p = graph.outputSingle(false, input(prompts, responses));
        for (int i = 0; i < out.length; i++) {
            out[i] = p.getDouble(i, 0);
        }
        return out;
    }

    /** One optimizer step on a minibatch; returns the mean cross-entropy before the step. */
    public synchronized double fit(List<int[]> prompts, List<int[]> responses, boolean[] correct) {
        if (correct.length != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + correct.length
                    + " labels; expected one label per response");
        }
        INDArray labels = Nd4j.create(DataType.FLOAT, correct.length, 1);
        for (int i = 0; i < correct.length; i++) {
            labels.putScalar(i, 0, correct[i] ? 1f : 0f);
        }
        graph.fit(new INDArray[] {input(prompts, responses)}, new INDArray[] {labels});
        return graph.score();
    }

    /** Prompt + response (up to and including EOS), cut to the context at the end and left-padded with PAD. */
    private INDArray input(List<int[]> prompts, List<int[]> responses) {
        int t = shape.contextLength();
        INDArray x = Nd4j.zeros(DataType.FLOAT, prompts.size(), t);
        for (int i = 0; i < prompts.size(); i++) {
            int[] seq = sequence(prompts.get(i), responses.get(i), t);
            int offset = t - seq.length;
            for (int j = 0; j < seq.length; j++) {
                if (seq[j] < 0 || seq[j] >= shape.vocabSize()) {
                    throw new IllegalArgumentException("token id " + seq[j] + " is outside the reward model's "
                            + "vocabulary [0, " + shape.vocabSize() + ")");
                }
                x.putScalar(i, offset + j, seq[j]);
            }
        }
        return x;
    }

    static int[] sequence(int[] prompt, int[] response, int context) {
        int end = 0;
        while (end < response.length && response[end] != Tokenizer.EOS) {
            end++;
        }
        end = Math.min(response.length, end + 1);
        int n = Math.min(context, prompt.length + end);
        int[] seq = new int[n];
        int fromPrompt = Math.min(prompt.length, n);
        System.arraycopy(prompt, 0, seq, 0, fromPrompt);
        System.arraycopy(response, 0, seq, fromPrompt, n - fromPrompt);
        return seq;
    }
}
