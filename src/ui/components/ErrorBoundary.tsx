import { Component, type ReactNode } from 'react';

/**
 * A part of the screen that fails to draw shows one line saying so, and the
 * rest of the app (and the run it holds) stays: never a blank page. `resetKey`
 * changing (another step, another run) tries again.
 */
export class ErrorBoundary extends Component<
  { what: string; resetKey?: unknown; children: ReactNode },
  { error: Error | null; key: unknown }
> {
  override state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(
    props: { resetKey?: unknown },
    state: { error: Error | null; key: unknown },
  ): Partial<{ error: Error | null; key: unknown }> | null {
    return Object.is(props.resetKey, state.key) ? null : { error: null, key: props.resetKey };
  }

  override render() {
    if (this.state.error)
      return (
        <p className="error" role="alert" data-testid="ui.error">
          {this.props.what} could not be drawn: {this.state.error.message}
        </p>
      );
    return this.props.children;
  }
}
