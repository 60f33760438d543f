using SkillInference.Bundles;

namespace SkillInference.Engines;

/// <summary>Loads bundles of one model format. Register more with <c>AddModelFormat</c> (the ONNX package does).</summary>
public interface IModelFormat
{
    /// <summary>The format name, as in <see cref="BundleManifest.Format"/>.</summary>
    string Format { get; }

    /// <summary>Loads a verified bundle's model.</summary>
    /// <exception cref="BundleValidationException">The model file is corrupt or its input size differs from the schema.</exception>
    IScoringModel Load(ModelBundle bundle, ScoringEngine engine);
}
