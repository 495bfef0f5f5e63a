namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Which configurations a run measures.</summary>
internal static class BenchmarkPlan
{
    private static readonly TrainingVariant[] Variants =
    {
        TrainingVariant.FullFineTuning, TrainingVariant.Lora, TrainingVariant.LamdaDuringFreezing,
        TrainingVariant.LamdaAfterFreezing, TrainingVariant.LamdaPlusPlus,
    };

    /// <summary>
    /// The full report: BERT-base and DeBERTa-v3-base shapes at sequence length 128, batch 8, 16 and 32,
    /// every variant at r = 8, float32; plus, when <paramref name="bfloat16"/> is set, every variant at the largest
    /// batch in bfloat16 on the BERT-base shape.
    /// </summary>
    public static IEnumerable<TrainingCase> Full(IReadOnlyList<string> models, IReadOnlyList<int> batches, int warmup, int steps, bool bfloat16)
    {
        foreach (var model in models)
            foreach (var batch in batches)
                foreach (var variant in Variants)
                    yield return new TrainingCase(model, variant, batch, 128, 8, "float32", warmup, steps);
        if (bfloat16 && models.Contains(ModelShape.BertBase.Name))
            foreach (var variant in Variants)
                yield return new TrainingCase(ModelShape.BertBase.Name, variant, batches.Max(), 128, 8, "bfloat16", warmup, steps);
    }

    /// <summary>The smoke run: tiny models, two steps per variant, so the harness cannot rot.</summary>
    public static IEnumerable<TrainingCase> Smoke() =>
        from model in new[] { ModelShape.TinyBert.Name, ModelShape.TinyDebertaV3.Name }
        from variant in Variants
        select new TrainingCase(model, variant, 2, 16, 4, "float32", 0, 2);
}
