namespace SkillInference.Bundles;

/// <summary>The model file formats a bundle may declare.</summary>
public static class ModelFormats
{
    /// <summary>An ML.NET model zip (a binary classifier over a <c>Features</c> vector column).</summary>
    public const string MlNet = "mlnet";

    /// <summary>XGBoost's JSON model format (<c>Booster.save_model("model.json")</c>).</summary>
    public const string XGBoostJson = "xgboost-json";

    /// <summary>An ONNX binary classifier, served by the SkillInference.Onnx package.</summary>
    public const string Onnx = "onnx";

    /// <summary>Every format a manifest may name.</summary>
    public static IReadOnlyList<string> All { get; } = [MlNet, XGBoostJson, Onnx];
}
