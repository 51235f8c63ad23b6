import { create } from 'zustand';

/**
 * One store for the app, in slices. Actions are plain module functions so
 * worker callbacks can call them without hooks.
 */
export type GpuStatus =
  { state: 'checking' } | { state: 'available'; adapter: string } | { state: 'unavailable'; reason: string };

interface AppState {
  gpu: GpuStatus;
}

export const useAppStore = create<AppState>(() => ({
  gpu: { state: 'checking' },
}));

export function setGpuStatus(gpu: GpuStatus): void {
  useAppStore.setState({ gpu });
}
