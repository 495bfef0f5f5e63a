namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>
/// Matrix-multiply FLOPs of one training step of an encoder, counted from its shape (the usual
/// 2·m·n·k per product; element-wise work, softmax and embeddings are left out, so the achieved
/// fraction of the GEMM peak is a slight underestimate).
/// </summary>
internal static class TrainingFlops
{
    /// <summary>FLOPs of one forward and backward pass over <paramref name="batch"/> sequences.</summary>
    /// <param name="shape">The encoder's shape.</param>
    /// <param name="batch">Sequences per step.</param>
    /// <param name="sequenceLength">Tokens per sequence.</param>
    /// <param name="method">The method: it decides which weight gradients backward computes.</param>
    /// <param name="rank">The adapter rank (ignored for full fine-tuning).</param>
    /// <param name="pmbTrainable">Whether LaMDA's PMB still trains (its gradient costs a d_out x r product).</param>
    public static double PerStep(ModelShape shape, int batch, int sequenceLength, AdapterMethod method, int rank, bool pmbTrainable)
    {
        double tokens = (double)batch * sequenceLength;
        double h = shape.Hidden, f = shape.Intermediate;
        // Six linear layers per block: q, k, v, attention output (h x h) and the two FFN layers (h x f).
        (double dIn, double dOut)[] linears = { (h, h), (h, h), (h, h), (h, h), (h, f), (f, h) };
        double linearForward = linears.Sum(l => 2 * tokens * l.dIn * l.dOut);
        // Scores and weighted values; DeBERTa adds content-to-position and position-to-content scores
        // against 2k relative positions.
        double attentionForward = 2 * 2 * batch * (double)sequenceLength * sequenceLength * h;
        if (shape.Family == ModelFamily.DebertaV3)
        {
            double span = 2.0 * Math.Min(shape.PositionBuckets, sequenceLength);
            attentionForward += 2 * 2 * tokens * span * h + 2 * 2 * span * h * h; // c2p and p2c scores, key/query of the relative embeddings
        }
        double forward = linearForward + attentionForward;
        // Backward: gradients with respect to every input always (= forward), plus weight gradients
        // of whatever trains (= the forward cost of those layers).
        double adapterForward = 0, adapterWeightGradients = 0;
        double weightGradients = 0;
        switch (method)
        {
            case AdapterMethod.FullFineTuning:
                weightGradients = linearForward;
                break;
            case AdapterMethod.Lora:
                adapterForward = linears.Sum(l => 2 * tokens * rank * (l.dIn + l.dOut));
                adapterWeightGradients = adapterForward;
                break;
            default: // LaMDA and LaMDA++: A frozen; S always trains; B while unfrozen
                adapterForward = linears.Sum(l => 2 * tokens * rank * (l.dIn + rank + l.dOut));
                adapterWeightGradients = linears.Sum(l => 2 * tokens * rank * (rank + (pmbTrainable ? l.dOut : 0)));
                break;
        }
        double perLayer = forward + adapterForward;                  // forward
        perLayer += forward + adapterForward;                        // input gradients
        perLayer += weightGradients + adapterWeightGradients;        // weight gradients
        return shape.Layers * perLayer;
    }
}
