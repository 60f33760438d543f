using Microsoft.ML;
using Microsoft.ML.Data;

namespace SkillInference.Engines.MlNet;

/// <summary>The input row of an ML.NET skill model: one <c>Features</c> vector (its size is set per model).</summary>
internal sealed class MlNetFeatureRow
{
    public float[] Features { get; set; } = [];

    /// <summary>The row's schema: a float vector of <paramref name="featureCount"/> values in a column named <paramref name="column"/>.</summary>
    public static SchemaDefinition Definition(int featureCount, string column = nameof(Features))
    {
        var definition = SchemaDefinition.Create(typeof(MlNetFeatureRow));
        var features = definition[nameof(Features)];
        features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        features.ColumnName = column;
        return definition;
    }
}

/// <summary>The output columns of an ML.NET binary classifier.</summary>
internal sealed class MlNetScoreRow
{
    [ColumnName("Score")]
    public float Score { get; set; }

    [ColumnName("Probability")]
    public float Probability { get; set; }

    [ColumnName("PredictedLabel")]
    public bool PredictedLabel { get; set; }
}
