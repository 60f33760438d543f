using Microsoft.Extensions.Options;

namespace SkillInference.Batch;

/// <summary>Validates <see cref="BatchOptions"/> at start-up (source-generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class BatchOptionsValidator : IValidateOptions<BatchOptions>;
