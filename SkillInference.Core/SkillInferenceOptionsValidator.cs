using Microsoft.Extensions.Options;

namespace SkillInference;

/// <summary>Validates <see cref="SkillInferenceOptions"/> at start-up (source-generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class SkillInferenceOptionsValidator : IValidateOptions<SkillInferenceOptions>;
