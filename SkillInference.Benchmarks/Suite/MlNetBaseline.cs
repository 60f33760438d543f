using Microsoft.ML;
using Microsoft.ML.Data;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// ML.NET as an ML.NET user runs a saved binary classifier: one <see cref="PredictionEngine{TSrc,TDst}"/> with the
/// allocation-free <c>Predict(x, ref y)</c> overload for single rows, and <c>Transform</c> + a cursor over an
/// <see cref="IDataView"/> of rows for batches.
/// </summary>
internal sealed class MlNetBaseline
{
    private readonly PredictionEngine<Row, Score> _engine;
    private readonly Row _row;
    private Score _score = new();

    public MlNetBaseline(byte[] modelZip)
    {
        Context = new MLContext(seed: 0);
        using var stream = new MemoryStream(modelZip, writable: false);
        Transformer = Context.Model.Load(stream, out var inputSchema);
        var column = inputSchema["Features"];
        FeatureCount = ((VectorDataViewType)column.Type).Size;
        Definition = SchemaDefinition.Create(typeof(Row));
        Definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        _engine = Context.Model.CreatePredictionEngine<Row, Score>(Transformer, ignoreMissingColumns: true, inputSchemaDefinition: Definition);
        _row = new Row { Features = new float[FeatureCount] };
    }

    public MLContext Context { get; }

    public ITransformer Transformer { get; }

    public SchemaDefinition Definition { get; }

    public int FeatureCount { get; }

    public float Predict(ReadOnlySpan<float> features)
    {
        features.CopyTo(_row.Features);
        _engine.Predict(_row, ref _score);
        return _score.Probability;
    }

    /// <summary>An in-memory data view of the first <paramref name="count"/> rows (built once per batch size).</summary>
    public IDataView View(float[] rows, int count)
    {
        var objects = new Row[count];
        for (var i = 0; i < count; i++)
        {
            objects[i] = new Row { Features = rows.AsSpan(i * FeatureCount, FeatureCount).ToArray() };
        }

        return Context.Data.LoadFromEnumerable(objects, Definition);
    }

    /// <summary>Transform and read every probability, as a batch scorer does; returns their sum.</summary>
    public double TransformAll(IDataView view, float[] probabilities)
    {
        var scored = Transformer.Transform(view);
        var column = scored.Schema["Probability"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        var i = 0;
        var value = 0f;
        var sum = 0.0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            probabilities[i++] = value;
            sum += value;
        }

        return sum;
    }

    public sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class Score
    {
        public float Probability { get; set; }
    }
}
