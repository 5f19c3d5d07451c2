// A number setting: its name (with what it means, on hover and for screen readers), a slider
// where a range makes sense, and a box to type an exact value.
import { Group, NumberInput, Slider, Stack, Tooltip, VisuallyHidden } from '@mantine/core';
import { useId } from 'react';

export interface SettingFieldProps {
  label: string;
  help: string;
  value: number;
  min: number;
  max: number;
  step: number;
  /** Show a slider over [min, sliderMax ?? max] beside the box. */
  slider?: boolean;
  sliderMax?: number;
  onChange(v: number): void;
}

export function SettingField({ label, help, value, min, max, step, slider, sliderMax, onChange }: SettingFieldProps) {
  const helpId = useId();
  const accept = (v: number | string) => {
    const n = typeof v === 'number' ? v : Number.parseFloat(v);
    if (Number.isFinite(n) && n >= min && n <= max) onChange(n);
  };
  const decimals = step < 1 ? (String(step).split('.')[1]?.length ?? 2) : 0;
  return (
    <Stack gap={4} miw={slider ? 200 : 120} style={{ flex: slider ? '1 1 200px' : '0 1 140px' }}>
      <Group gap="xs" wrap="nowrap" align="end">
        <Tooltip label={help} multiline w={280} withArrow openDelay={400} position="top-start">
          <NumberInput
            label={label}
            labelProps={{ title: help, style: { whiteSpace: 'nowrap', cursor: 'help' } }}
            aria-describedby={helpId}
            value={value}
            min={min}
            max={max}
            step={step}
            decimalScale={decimals}
            allowNegative={min < 0}
            allowDecimal={step < 1}
            clampBehavior="none"
            hideControls
            onChange={accept}
            w={slider ? 96 : '100%'}
            styles={{ input: { minHeight: 44 } }}
          />
        </Tooltip>
        {slider && (
          <Slider
            thumbLabel={`${label} slider`}
            value={Math.min(value, sliderMax ?? max)}
            min={min}
            max={sliderMax ?? max}
            step={step}
            label={(v) => v.toFixed(decimals)}
            onChange={onChange}
            style={{ flex: 1 }}
            mb={14}
          />
        )}
      </Group>
      <VisuallyHidden id={helpId}>{help}</VisuallyHidden>
    </Stack>
  );
}

/** What each sampling setting does, in words a newcomer follows. */
export const SETTING_HELP = {
  seed: 'The random numbers behind every token the GPT picks: the same seed and settings give the same image.',
  batch: 'How many images to make at once, each from its own seed (seed, seed + 1, …).',
  temperature:
    'How adventurous each pick is: below 1 the GPT sticks to its likeliest tokens, above 1 it takes more chances.',
  topK: 'Only the k likeliest tokens may be picked at each step (0: no limit).',
  topP: 'Only the likeliest tokens that together hold this share of the probability may be picked (1: no limit).',
  guidance:
    "Classifier-free guidance: how strongly the class steers each pick, by pushing the GPT's prediction away " +
    'from what it would pick for no class in particular (1: off).',
} as const;
