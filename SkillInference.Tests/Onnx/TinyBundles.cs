using SkillInference.Bundles;
using SkillInference.Schema;

namespace SkillInference.Tests.Onnx;

/// <summary>onnx bundles around hand-written models, with a schema of plain features <c>x0, x1, ...</c>.</summary>
internal static class TinyBundles
{
    public static ModelBundle Create(byte[] model, int features, OnnxSettings? settings = null) => ModelBundle.Create(
        new BundleManifest
        {
            Skill = "tiny",
            Version = "1.0.0",
            Format = ModelFormats.Onnx,
            ModelFile = "model.onnx",
            Sha256 = new string('0', 64),
            Features = [.. Enumerable.Range(0, features).Select(i => new FeatureSpec { Name = $"x{i}", Group = FeatureGroup.Other })],
            Onnx = settings,
        },
        model);
}
