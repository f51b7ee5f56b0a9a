import { Construct } from 'constructs';
import { ComponentRolloutInput } from '../rollout/_component-revisions';
import { AuxiliaryComponent, AuxiliaryComponentProps, PredictorWiring } from './auxiliary-component';
import { ComponentContext } from './_resolve';
import { ComponentKind } from './_resolved';

/** An explainer: explanations beside predictions (a custom container for now). */
export interface ExplainerProps extends AuxiliaryComponentProps {}

/**
 * The explainer of an InferenceService: Knative Service `<isvc>-explainer`. The top-level route sends
 * `/v1/models/<m>:explain` here; the explainer calls the predictor.
 */
export class Explainer extends AuxiliaryComponent {
  /** @internal created by InferenceService */
  constructor(scope: Construct, id: string, props: ExplainerProps, context: ComponentContext, predictor: PredictorWiring,
    rollout: ComponentRolloutInput) {
    super(scope, id, ComponentKind.EXPLAINER, props, context, predictor, rollout, rollout.rollout?.explainer);
  }
}
