using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lamda;

/// <summary>
/// ML.NET's row mapper for the LaMDA transformers: declares the output columns and makes their getters, which
/// share one <see cref="RowPredictions"/> per cursor (so a row is scored once for all its output columns).
/// </summary>
internal sealed class LamdaRowMapper : RowToRowTransformerBase.MapperBase
{
    private readonly LamdaTransformerBase _transformer;
    private readonly IDataView? _lookaheadSource;

    /// <summary>A mapper for <paramref name="inputSchema"/>; rows are batched when <paramref name="lookaheadSource"/> is the data being transformed.</summary>
    public LamdaRowMapper(LamdaTransformerBase parent, DataViewSchema inputSchema, IDataView? lookaheadSource)
        : base(parent.Host.Register(nameof(LamdaRowMapper)), inputSchema, parent)
    {
        parent.CheckInputSchema(inputSchema);
        _transformer = parent;
        _lookaheadSource = lookaheadSource;
    }

    /// <inheritdoc/>
    protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => _transformer.GetOutputColumns(InputSchema);

    /// <inheritdoc/>
    public override Delegate[] CreateGetters(DataViewRow input, Func<int, bool> activeOutput, out Action disposer)
    {
        var outputs = OutputColumns.Value;
        var getters = new Delegate[outputs.Length];
        if (!Enumerable.Range(0, outputs.Length).Any(activeOutput))
        {
            disposer = () => { };
            return getters;
        }
        var predictions = new RowPredictions(_transformer.Scorer, input, _transformer.Sentence1ColumnName, _transformer.Sentence2ColumnName, _lookaheadSource);
        for (int i = 0; i < outputs.Length; i++)
            if (activeOutput(i))
                getters[i] = _transformer.MakeOutputGetter(i, predictions);
        disposer = predictions.Dispose;
        return getters;
    }

    /// <inheritdoc/>
    protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action disposer) =>
        CreateGetters(input, i => i == iinfo, out disposer)[iinfo];

    /// <inheritdoc/>
    public override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
    {
        bool anyActive = Enumerable.Range(0, OutputColumns.Value.Length).Any(activeOutput);
        var needed = new HashSet<int> { InputSchema[_transformer.Sentence1ColumnName].Index };
        if (_transformer.Sentence2ColumnName is string second) needed.Add(InputSchema[second].Index);
        return column => anyActive && needed.Contains(column);
    }

    /// <inheritdoc/>
    public override void SaveModel(ModelSaveContext ctx) => _transformer.SaveModel(ctx);
}
